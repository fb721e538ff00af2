"""A headless Chromium driven through the DevTools protocol over a pipe: load a page, run a probe in it.

Chromium from the distribution's packages (``chromium``); no driver, no websocket library: with
``--remote-debugging-pipe`` Chromium reads protocol commands from fd 3 and writes replies to fd 4,
each a JSON message ended by a NUL byte.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]  # no network


def chromium_path() -> str | None:
    """The distribution's Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One browser with a fresh, empty profile; ``load`` opens a page in a new tab and returns what a probe finds."""

    def __init__(self, binary: str):
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def on_fds_3_and_4() -> None:  # in the child, before exec
            high_r, high_w = (os.dup2(fd, 100 + i) for i, fd in enumerate((to_browser_r, from_browser_w)))
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=on_fds_3_and_4, pass_fds=(3, 4))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._messages: queue.Queue[dict] = queue.Queue()
        self._events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._messages.put(json.loads(message))

    def _send(self, method: str, params: dict | None = None, session: str | None = None,
              timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def _wait_for(self, method: str, session: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            return
        while True:
            event = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            self._events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return

    def load(self, url: str, probe: str, settle_s: float = 3.0, timeout: float = 90,
             requests: list[str] | None = None) -> object:
        """Open ``url``, wait for its load event and ``settle_s`` more (timers, image errors): ``probe``'s value.
        The URL of every request the page sent, until the probe returned, is added to ``requests`` if given."""
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            self._send("Page.enable", session=session)
            if requests is not None:
                self._send("Network.enable", session=session)
            self._send("Page.navigate", {"url": url}, session=session)
            self._wait_for("Page.loadEventFired", session, timeout)
            time.sleep(settle_s)
            result = self._send("Runtime.evaluate", {"expression": probe, "returnByValue": True,
                                                     "awaitPromise": True}, session=session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"probe failed on {url}: {result['exceptionDetails']}")
            if requests is not None:  # the events that came before the probe's reply
                requests.extend(e["params"]["request"]["url"] for e in self._events
                                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session)
            return result["result"].get("value")
        finally:
            self._send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        try:
            self._send("Browser.close", timeout=10)
        except (RuntimeError, queue.Empty, OSError):
            pass
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        self._profile.cleanup()
