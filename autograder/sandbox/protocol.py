"""Messages between the grader and the worker: JSON lines, tensors as base64 bytes.

No pickle: the grader decodes what a process running student code wrote, so decoding must
never execute anything. Only plain JSON values and tensors of a few numeric dtypes pass.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

_DTYPES = ("float32", "float64", "float16", "int64", "int32", "uint8", "bool")
MAX_MESSAGE_BYTES = 64 << 20
MAX_DIMS = 16  # torch itself allows 64; no probe answers with more than 5
MAX_DEPTH = 32  # lists and dictionaries within each other; answers nest 3 deep


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


def _shape(value: Any) -> list[int]:
    """A tensor's shape, checked before anything is allocated: a list of at most ``MAX_DIMS``
    plain non-negative integers whose product fits in a message."""
    if not isinstance(value, list) or len(value) > MAX_DIMS:
        raise ProtocolError(f"a tensor shape must be a list of at most {MAX_DIMS} sizes")
    elements = 1
    for size in value:
        if type(size) is not int or not 0 <= size <= MAX_MESSAGE_BYTES:
            raise ProtocolError(f"a tensor size must be an integer from 0 to {MAX_MESSAGE_BYTES}, not {str(size)[:40]}")
        elements *= size
    if elements > MAX_MESSAGE_BYTES:
        raise ProtocolError("a tensor shape larger than any message")
    return value


def _tensor(value: dict[str, Any]) -> Any:
    """A tensor from its dtype, shape and base64 bytes; every field is checked before it is used."""
    import numpy as np
    import torch

    name, shape, data = value.get("__tensor__"), _shape(value.get("shape")), value.get("data")
    if not isinstance(name, str) or name not in _DTYPES:
        raise ProtocolError(f"unknown tensor dtype {str(name)[:40]!r}")
    if not isinstance(data, str) or len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError("tensor data must be base64 text")
    dtype = np.dtype(name)
    if len(data) != 4 * -(-math.prod(shape) * dtype.itemsize // 3):
        raise ProtocolError("tensor data does not match its shape")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ProtocolError(f"tensor data is not base64: {error}") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("tensor data does not match its shape")
    return torch.from_numpy(np.frombuffer(raw, dtype=dtype).copy()).reshape(shape)


def _decode(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError(f"a message nested more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        if "__tensor__" in value:
            return _tensor(value)
        if "__dict__" in value:
            pairs = value["__dict__"]
            if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ProtocolError("a dictionary must be a list of key, value pairs")
            return {_decode(k, depth + 1): _decode(v, depth + 1) for k, v in pairs}
        raise ProtocolError("unexpected object in message")
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    return value


def dumps(message: dict[str, Any]) -> bytes:
    """One message as one line of bytes."""
    return json.dumps(_encode(message), allow_nan=True).encode() + b"\n"


def loads(line: bytes) -> dict[str, Any]:
    """A message from one line; ``ProtocolError`` for anything malformed, and nothing else.

    The line comes from a process running student code, which can write anything to it: every
    size is checked before memory is allocated for it, and any other failure to decode it
    (an ``OverflowError``, a ``RecursionError``, a ``MemoryError``) becomes a ``ProtocolError``.
    """
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        message = _decode(json.loads(line))
    except ProtocolError:
        raise
    except Exception as error:  # noqa: BLE001 (any failure to decode, of any type, is the sender's fault)
        raise ProtocolError(f"malformed message: {type(error).__name__}: {str(error)[:200]}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be an object")
    return message
