"""Messages between the grader and the worker: JSON lines, tensors as base64 bytes.

No pickle: the grader decodes what a process running student code wrote, so decoding must
never execute anything. Only plain JSON values and tensors of a few numeric dtypes pass.
"""
from __future__ import annotations

import base64
import json
from typing import Any

_DTYPES = ("float32", "float64", "float16", "int64", "int32", "uint8", "bool")
MAX_MESSAGE_BYTES = 64 << 20


class ProtocolError(ValueError):
    """A message that is not what the protocol allows."""


def _encode(value: Any) -> Any:
    import torch  # imported here so that the grader can start the worker before paying for torch

    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        name = str(tensor.dtype).removeprefix("torch.")
        if name not in _DTYPES:
            raise ProtocolError(f"cannot send a tensor of dtype {tensor.dtype}")
        data = tensor.contiguous().numpy().tobytes()
        return {"__tensor__": name, "shape": list(tensor.shape), "data": base64.b64encode(data).decode()}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ProtocolError(f"cannot send a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__tensor__" in value:
            import numpy as np
            import torch

            if value["__tensor__"] not in _DTYPES:
                raise ProtocolError(f"unknown tensor dtype {value['__tensor__']!r}")
            shape = [int(n) for n in value["shape"]]
            array = np.frombuffer(base64.b64decode(value["data"]), dtype=np.dtype(value["__tensor__"]))
            if array.size != int(np.prod(shape)):
                raise ProtocolError("tensor data does not match its shape")
            return torch.from_numpy(array.copy()).reshape(shape)
        if "__dict__" in value:
            return {_decode(k): _decode(v) for k, v in value["__dict__"]}
        raise ProtocolError("unexpected object in message")
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(message: dict[str, Any]) -> bytes:
    """One message as one line of bytes."""
    return json.dumps(_encode(message), allow_nan=True).encode() + b"\n"


def loads(line: bytes) -> dict[str, Any]:
    """A message from one line; ``ProtocolError`` for anything malformed."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        message = _decode(json.loads(line))
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise ProtocolError(f"malformed message: {error}") from error
    if not isinstance(message, dict):
        raise ProtocolError("a message must be an object")
    return message
