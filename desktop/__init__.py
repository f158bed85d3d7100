"""The desktop/field client: PySide6 over an encrypted local SQLCipher database."""
