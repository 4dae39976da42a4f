"""`python -m projector`: the Faust worker."""

from faust.worker import Worker

from projector.app import create_faust_app
from projector.settings import ProjectorSettings
from tessera_common.observability.logging import configure_logging


def main() -> None:
    settings = ProjectorSettings()
    app = create_faust_app(settings)
    worker = Worker(app, loglevel=settings.observability.log_level.lower(), quiet=True)
    configure_logging("projector", settings.observability.log_level)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
