"""What the services' /metrics say around a step: cache lookups per layer, consumer lag."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tessera_common.observability.exposition import Scrape
from tessera_stack.layout import StackLayout

SCRAPED = ("gateway", "query", "projector")


@dataclass(frozen=True)
class Scrapes:
    """One scrape per instance (instances export the same series, so they are kept apart)."""

    by_instance: dict[str, Scrape]

    def since(self, earlier: Scrapes) -> Scrape:
        merged = Scrape()
        for url, scrape in self.by_instance.items():
            before = earlier.by_instance.get(url)
            merged = merged.merged(scrape.since(before) if before else scrape)
        return merged


def scrape(layout: StackLayout, services: tuple[str, ...] = SCRAPED) -> Scrapes:
    pages = {}
    with httpx.Client(timeout=5.0) as client:
        for service in services:
            for url in layout.instance_urls(service):
                try:
                    response = client.get(f"{url}/metrics")
                except httpx.HTTPError:
                    continue  # an instance stopped on purpose (the scale steps)
                if response.status_code == 200:
                    pages[url] = Scrape.parse(response.text)
    return Scrapes(pages)


@dataclass(frozen=True)
class LayerRatio:
    service: str
    layer: str
    hits: float
    misses: float

    @property
    def ratio(self) -> float | None:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else None


def cache_layers(window: Scrape) -> list[LayerRatio]:
    """Hits and misses of every (service, layer) over a window."""
    layers = sorted(
        {
            (s.labels["service"], s.labels["layer"])
            for s in window.select("tessera_cache_lookups_total")
        }
    )
    return [
        LayerRatio(
            service,
            layer,
            window.total("tessera_cache_lookups_total", _where(service, layer, "hit")),
            window.total("tessera_cache_lookups_total", _where(service, layer, "miss")),
        )
        for service, layer in layers
    ]


def _where(service: str, layer: str, result: str):  # type: ignore[no-untyped-def]
    return lambda labels: (
        labels.get("service") == service
        and labels.get("layer") == layer
        and labels.get("result") == result
    )


def projector_lag(layout: StackLayout) -> float | None:
    """The projector group's lag in messages, summed over partitions (as the broker sees it)."""
    found = scrape(layout, ("projector",))
    values = [
        s.value
        for page in found.by_instance.values()
        for s in page.select("tessera_consumer_lag_messages")
        if s.labels.get("consumer", "").startswith("projector")
    ]
    return sum(values) if values else None
