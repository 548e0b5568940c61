#!/usr/bin/env python3
"""linux_images_test.py TOOL VMLINUZ VMLINUX INITRAMFS INIT INITTAB BUSYBOX

Checks the Linux guest's build products (docs/linux-guest.md) with tools
that share no code with tools/linux-guest: binutils' readelf reads the
vmlinux, GNU cpio the initramfs, busybox's own shell the /init script. Also
that the tool makes the same initramfs twice, refuses a damaged bzImage
in one line, and copies a good bzImage unchanged. Output is TAP.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

tool, vmlinuz, vmlinux, initramfs, init, inittab, busybox = sys.argv[1:8]
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def run(*cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True)


header = run("readelf", "-h", vmlinux).stdout.decode()
check("vmlinux is an ELF64 x86-64 executable",
      "ELF64" in header and "X86-64" in header and "EXEC" in header, header)
notes = run("readelf", "-n", vmlinux).stdout.decode()
check("vmlinux has the PVH entry note (Xen, type 0x12)",
      any(line.split()[:1] == ["Xen"] and "0x00000012" in line for line in notes.splitlines()), notes[-2000:])

archive = Path(initramfs).read_bytes()
listing = run("cpio", "-itv", stdin=archive)
lines = listing.stdout.decode().splitlines()
entries = {line.split()[-1] if " -> " not in line else line.split(" -> ")[0].split()[-1]: line for line in lines}
check("cpio reads the initramfs", listing.returncode == 0, listing.stderr.decode())
check("/init is an executable file", entries.get("init", "").startswith("-rwxr-xr-x"), entries.get("init", ""))
check("/dev/console is character device 5,1",
      entries.get("dev/console", "").startswith("c") and "5,   1" in entries.get("dev/console", ""))
check("/bin/sh, cttyhack and setsid are busybox",
      all(entries.get(a, "").endswith("-> /bin/busybox") for a in ("bin/sh", "bin/cttyhack", "usr/bin/setsid")))
for name, source in (("init", init), ("etc/inittab", inittab)):
    out = run("cpio", "-i", "--to-stdout", name, stdin=archive).stdout
    check(f"/{name} is {Path(source).name}", out == Path(source).read_bytes())

with tempfile.TemporaryDirectory() as tmp:
    bb = Path(tmp) / "busybox"
    bb.write_bytes(run("cpio", "-i", "--to-stdout", "bin/busybox", stdin=archive).stdout)
    bb.chmod(0o755)
    syntax = run(str(bb), "sh", "-n", init)
    check("busybox's shell parses /init", syntax.returncode == 0, syntax.stderr.decode())

    again = Path(tmp) / "again.cpio"
    r = run(sys.executable, tool, "initramfs", "--init", init, "--inittab", inittab, "--busybox", busybox, str(again))
    check("the same inputs make the same initramfs", r.returncode == 0 and again.read_bytes() == archive,
          r.stderr.decode())

    damaged = Path(tmp) / "damaged"
    damaged.write_bytes(Path(vmlinuz).read_bytes()[:0x8000])
    r = run(sys.executable, tool, "vmlinux", str(damaged), str(Path(tmp) / "out"))
    err = r.stderr.decode().strip()
    check("a truncated bzImage is refused in one line",
          r.returncode == 1 and len(err.splitlines()) == 1 and "runs past" in err and not (Path(tmp) / "out").exists(),
          err)
    damaged.write_bytes(b"\0" * 4096)
    r = run(sys.executable, tool, "vmlinux", str(damaged), str(Path(tmp) / "out"))
    check("a file that is no bzImage is refused", r.returncode == 1 and "not a bzImage" in r.stderr.decode())
    r = run(sys.executable, tool, "bzimage", str(damaged), str(Path(tmp) / "out"))
    check("the bzImage copy refuses a file that is no bzImage",
          r.returncode == 1 and "not a bzImage" in r.stderr.decode() and not (Path(tmp) / "out").exists())
    r = run(sys.executable, tool, "bzimage", vmlinuz, str(Path(tmp) / "out"))
    check("the bzImage copy is the bzImage, byte for byte",
          r.returncode == 0 and (Path(tmp) / "out").read_bytes() == Path(vmlinuz).read_bytes(), r.stderr.decode())

print(f"1..{len(results)}")
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok and detail:
        print("\n".join("# " + line for line in detail.splitlines()[-20:]))
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
