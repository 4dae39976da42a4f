"""`python -m projector`: the Faust worker."""

import logging
import time

from faust.worker import Worker

from projector.faust_app import create_faust_app
from projector.settings import ProjectorSettings
from projector.watchdog import restart_in_place
from tessera_common.observability.logging import configure_logging
from tessera_common.observability.tracing import configure_tracing

CRASH_RESTART_DELAY_SECONDS = 2.0
# How often the group's offsets catch up with what the agents applied (Faust's own default).
COMMIT_INTERVAL_SECONDS = 2.8


class JsonLogWorker(Worker):
    """Faust's worker, logging JSON lines like every other Tessera process."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        configure_logging("projector", logging.getLevelName(level))

    async def on_start(self) -> None:
        # The watchdog judges the worker from its first moment, its first rebalance included.
        self.add_future(self.app.watchdog.run())  # type: ignore[attr-defined]
        self.add_future(self.app.commits.run(COMMIT_INTERVAL_SECONDS))  # type: ignore[attr-defined]
        await super().on_start()


def main() -> None:
    settings = ProjectorSettings()
    configure_tracing("projector")
    app = create_faust_app(settings)
    # structlog writes its JSON lines to stdout itself: redirected, Faust would log each one
    # again as a warning of `mode.redirect`, a JSON line inside another.
    worker = JsonLogWorker(
        app, loglevel=settings.observability.log_level.lower(), quiet=True, redirect_stdouts=False
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        # A crash (Faust stops the whole worker when one of its services fails, e.g. on a
        # coordinator still loading after a broker restart) is not the end of the worker: it
        # comes back in place, as a stall does. A requested stop exits 0.
        if exit_.code:
            time.sleep(CRASH_RESTART_DELAY_SECONDS)
            restart_in_place(f"exit status {exit_.code}", event="projector_crashed_restarting")
        raise


if __name__ == "__main__":
    main()
