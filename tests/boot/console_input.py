"""Typing into an emulated machine's COM1 for the boot tests.

The emulator's COM1 is a socket the runner listens on (Bochs:
`com1: mode=socket-client`): the Typist copies what the machine writes to
the console file the runner watches, and types what an input script says
when the console shows what the script waits for.

A script is a text file of one step a line ('#' starts a comment line):

    after TEXT          wait until TEXT appears in the console after the
                        last step that sent something
    send TEXT           send TEXT (Python escapes: \\x01 is Ctrl-A, \\n)
    repeat N TEXT       send TEXT N times, as one burst

In `after` text, {utc_year} stands for the current year (UTC) on the
machine that runs the test, for a guest's clock read from its RTC.

Nothing is sent before the step that says so; a step that waits forever
leaves the script unfinished, which fails the run.

Without a script (a person at a terminal: `run-boot-test --interactive`)
the Typist sends what is typed on its standard input, with the terminal in
cbreak mode so that each key goes at once and Ctrl-A reaches the machine
(Ctrl-C still stops the runner).
"""

from __future__ import annotations

import codecs
import os
import select
import socket
import threading
import time
import contextlib
import termios
import tty
from dataclasses import dataclass
from pathlib import Path

ACCEPT_TIMEOUT_S = 60
POLL_S = 0.1


@dataclass
class Step:
    kind: str  # "after" or "send"
    data: bytes


def parse_script(text: str) -> list[Step]:
    steps = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "after" and rest:
            year = str(time.gmtime().tm_year)
            steps.append(Step("after", rest.replace("{utc_year}", year).encode()))
        elif word == "send" and rest:
            steps.append(Step("send", codecs.decode(rest, "unicode_escape").encode("latin-1")))
        elif word == "repeat":
            count, _, what = rest.partition(" ")
            if not count.isdigit() or not what:
                raise ValueError(f"line {number}: repeat wants a count and text: {raw!r}")
            steps.append(Step("send", codecs.decode(what, "unicode_escape").encode("latin-1") * int(count)))
        else:
            raise ValueError(f"line {number}: not a step: {raw!r}")
    return steps


def read_script(path: Path) -> list[Step]:
    return parse_script(path.read_text())


@contextlib.contextmanager
def keyboard(active: bool):
    """The terminal in cbreak mode while `active` (keys go at once, unechoed)."""
    if not active:
        yield
        return
    saved = termios.tcgetattr(0)
    try:
        tty.setcbreak(0)
        yield
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


class Typist:
    """Listens for the emulator's COM1, mirrors its output to `console`,
    and runs the script against it."""

    def __init__(self, steps: list[Step] | None, console: Path):
        self.steps = steps or []
        self.keyboard = steps is None  # type what comes on stdin
        self.console = console
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.done = 0  # steps finished
        self.received = bytearray()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.connection: socket.socket | None = None
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        t = threading.Thread(target=self._serve, daemon=True)
        t.start()
        self.threads.append(t)

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)
        if self.connection is not None:
            self.connection.close()
        self.listener.close()

    def unfinished(self) -> str | None:
        """The step the script stopped at, or None when it finished."""
        if self.done == len(self.steps):
            return None
        step = self.steps[self.done]
        return f"{step.kind} {step.data!r}"

    def _serve(self) -> None:
        self.listener.settimeout(ACCEPT_TIMEOUT_S)
        try:
            self.connection, _ = self.listener.accept()
        except OSError:
            return
        reader = threading.Thread(target=self._mirror, daemon=True)
        reader.start()
        self.threads.append(reader)
        if self.keyboard:
            self._relay_keyboard()
        else:
            self._type()

    def _relay_keyboard(self) -> None:
        assert self.connection is not None
        stdin = 0
        while not self.stopping.is_set():
            ready, _, _ = select.select([stdin], [], [], POLL_S)
            if not ready:
                continue
            data = os.read(stdin, 1024)
            if not data:
                return
            try:
                self.connection.sendall(data)
            except OSError:
                return

    def _mirror(self) -> None:
        assert self.connection is not None
        self.connection.settimeout(POLL_S)
        with open(self.console, "ab") as out:
            while not self.stopping.is_set():
                try:
                    data = self.connection.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                out.write(data)
                out.flush()
                with self.lock:
                    self.received += data

    def _type(self) -> None:
        assert self.connection is not None
        mark = 0  # console bytes before the last send
        for step in self.steps:
            if step.kind == "send":
                with self.lock:
                    mark = len(self.received)
                try:
                    self.connection.sendall(step.data)
                except OSError:
                    return
            else:
                while True:
                    with self.lock:
                        found = self.received.find(step.data, mark) >= 0
                    if found:
                        break
                    if self.stopping.wait(POLL_S):
                        return
            self.done += 1
