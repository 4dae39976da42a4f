"""Everything the accounts service reads from its environment: the kit's settings."""

from tessera_common.commands.settings import CommandSettings

DATABASE = "accounts"


class AccountsSettings(CommandSettings):
    """The kit's settings (shards, directory, topology, Kafka, …): accounts adds none."""
