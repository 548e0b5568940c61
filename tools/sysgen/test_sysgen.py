"""Runs sysgen on every case in a directory. Each case's first line says
what must happen: "# expect: ok" (a description comes out and is what the
root task reads) or "# expect: TEXT" (sysgen fails and says TEXT). A line
"# modules" gives sysgen the boot modules vmm-server and guest-hello (the
files named on the command line); each line "# output: TEXT" must appear
in what sysgen prints."""

import struct
import subprocess
import sys
import tempfile
from pathlib import Path

MAGIC = 0x315359534D545053  # abi::system_magic


def run_case(sysgen: str, case: Path, modules: list[str]) -> str | None:
    lines = case.read_text().splitlines()
    first = lines[0]
    if not first.startswith("# expect: "):
        return f"{case.name}: no '# expect:' line"
    want = first[len("# expect: "):]
    outputs = [line[len("# output: "):] for line in lines if line.startswith("# output: ")]
    args = modules if "# modules" in lines else []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "system.bin"
        r = subprocess.run([sysgen, str(case), "-o", str(out)] + args, capture_output=True, text=True)
        missing = [text for text in outputs if text not in r.stdout]
        if missing:
            return f"{case.name}: output {r.stdout.strip()!r} does not say {missing[0]!r}"
        if want == "ok":
            if r.returncode != 0:
                return f"{case.name}: failed: {r.stderr.strip()}"
            magic, version, count = struct.unpack_from("<QII", out.read_bytes())
            if magic != MAGIC or version != 2 or count < 1:
                return f"{case.name}: header magic={magic:#x} version={version} count={count}"
            return None
        if r.returncode == 0:
            return f"{case.name}: accepted, want an error saying {want!r}"
        if want not in r.stderr:
            return f"{case.name}: error {r.stderr.strip()!r} does not say {want!r}"
        if out.exists():
            return f"{case.name}: failed but wrote {out.name}"
    return None


def main(sysgen: str, cases: str, vmm: str, guest_hello: str) -> int:
    paths = sorted(Path(cases).glob("*.toml"))
    modules = ["--module", f"vmm-server={vmm}", "--module", f"guest-hello={guest_hello}"]
    print(f"1..{len(paths)}")
    failed = 0
    for i, case in enumerate(paths, 1):
        problem = run_case(sysgen, case, modules)
        print(f"{'not ok' if problem else 'ok'} {i} - {case.name}" + (f": {problem}" if problem else ""))
        failed += problem is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
