"""Server URLs in configuration, driver-specific URLs in code."""

from sqlalchemy.engine import make_url


def with_database(server_url: str, database: str) -> str:
    """`postgresql://u:p@h:port` + `accounts` -> `postgresql://u:p@h:port/accounts`."""
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """A libpq-style DSN for asyncpg (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_async_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
