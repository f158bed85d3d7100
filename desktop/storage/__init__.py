"""The only package with SQL on the client: the SQLCipher file, migrations, repositories, outbox."""
