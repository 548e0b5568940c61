"""Tests of the boot tests' typist (console_input.py): its scripts, and a
round trip through a socket standing in for the emulator's COM1."""

import socket
import tempfile
import time
import unittest
from pathlib import Path

from console_input import Step, Typist, parse_script


class ScriptTest(unittest.TestCase):
    def test_steps_and_escapes(self):
        steps = parse_script("# a comment\n\nafter [a] ready\nsend \\x011x\\n\nrepeat 3 ab\n")
        self.assertEqual(steps, [Step("after", b"[a] ready"), Step("send", b"\x011x\n"), Step("send", b"ababab")])

    def test_bad_lines_are_refused(self):
        for bad in ("wait x", "send", "repeat x y", "repeat 3"):
            with self.assertRaises(ValueError, msg=bad):
                parse_script(bad)


def wait_until(typist: Typist, step) -> str | None:
    """Where the script is once it got to `step` (or after 5 s)."""
    for _ in range(50):
        if typist.unfinished() == step:
            break
        time.sleep(0.1)
    return typist.unfinished()


class TypistTest(unittest.TestCase):
    def test_types_after_the_console_shows_the_text(self):
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "com1.txt"
            console.touch()
            typist = Typist(parse_script("after ready\nsend hi\nafter echo hi\n"), console)
            typist.start()
            machine = socket.create_connection(("127.0.0.1", typist.port))
            machine.settimeout(5)
            machine.sendall(b"ready\n")
            self.assertEqual(machine.recv(16), b"hi")
            self.assertEqual(wait_until(typist, "after b'echo hi'"), "after b'echo hi'")
            machine.sendall(b"echo hi\n")
            self.assertIsNone(wait_until(typist, None))
            typist.stop()
            machine.close()
            self.assertEqual(console.read_bytes(), b"ready\necho hi\n")


if __name__ == "__main__":
    unittest.main()
