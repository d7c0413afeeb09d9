"""Shared HTTP request dependencies, below every feature: the database session, the signed-in
principal (session cookie or Bearer token, with the CSRF check on cookie writes), role guards,
and the API's shared parameter types and error shape. Features' `api.py` and the web pages use
these; nothing here imports a feature's routes or `cauce.web`."""
