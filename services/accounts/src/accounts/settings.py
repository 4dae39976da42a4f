"""Everything the accounts service reads from its environment."""

from pydantic import Field

from tessera_common.commands.settings import CommandSettings
from tessera_common.settings import DirectorySettings

DATABASE = "accounts"


class AccountsSettings(CommandSettings):
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
