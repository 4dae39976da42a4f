"""The public product catalogue: data every service may read (billing prices with it)."""

from importlib.resources import files


def price_book_json() -> bytes:
    """The price book: {plan: {currency: {monthly_fee, seat_price, included_api_calls,
    overage_per_1000_api_calls}}}, money in integer minor units."""
    return files(__package__).joinpath("price_book.json").read_bytes()


def fx_rates_json() -> bytes:
    """Reporting FX rates: units of each currency per 1 USD, as decimal strings."""
    return files(__package__).joinpath("fx_rates.json").read_bytes()
