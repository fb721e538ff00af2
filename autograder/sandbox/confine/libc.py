"""The C library, for the calls Python's ``os`` does not wrap (prctl, capset, Landlock's system calls)."""
import ctypes


def libc() -> ctypes.CDLL:
    library = ctypes.CDLL(None, use_errno=True)
    library.syscall.restype = ctypes.c_long
    return library
