"""The base of every API response model.

`StrictOut` forbids keys the model does not declare: a handler that returns a key its
`response_model` does not name fails loudly (tests/web/test_api_contract.py walks the route table and
calls the API) instead of the key being dropped, or a schema drifting from what clients receive.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
