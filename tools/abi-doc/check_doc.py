#!/usr/bin/env python3
"""check_doc.py ABI_DOC DOC: fails, with a diff, when DOC is not what
ABI_DOC (the generator) prints from the interface source."""
import difflib
import subprocess
import sys

generator, doc = sys.argv[1:3]
want = subprocess.run([generator], capture_output=True, text=True, check=True).stdout
have = open(doc).read()
if want != have:
    sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True), doc, "generated"))
    print(f"\n{doc} is out of date: run {generator} > {doc}")
    sys.exit(1)
print(f"{doc} matches the interface source")
