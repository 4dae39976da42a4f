"""The local stack's layout: ports a restarted server can always take back."""

from pathlib import Path

from projector.settings import WorkerSettings
from tessera_stack.layout import StackLayout

EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ports(layout: StackLayout) -> list[int]:
    return layout.ports


def test_ports_are_distinct() -> None:
    found = ports(StackLayout())
    assert len(found) == len(set(found))


def test_no_port_is_in_the_ephemeral_range() -> None:
    """Else a client's outgoing connection may hold the port when a server restarts."""
    text = EPHEMERAL.read_text() if EPHEMERAL.exists() else "32768 60999"
    low, high = (int(n) for n in text.split())
    assert [p for p in ports(StackLayout()) if low <= p <= high] == []


def test_the_projector_keeps_its_faust_data_under_the_git_ignored_run_dir() -> None:
    """The stack runs the projector in the repository root: its data must not land there."""
    data_dir = Path(WorkerSettings().data_dir)
    assert not data_dir.is_absolute()
    assert data_dir.parts[0] == ".run"
    assert ".run/" in (StackLayout().root / ".gitignore").read_text().split()
