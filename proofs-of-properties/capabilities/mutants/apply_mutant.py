#!/usr/bin/env python3
"""Writes a mutated copy of one capability-library source.

usage: apply_mutant.py NAME INPUT OUTPUT

Each mutant replaces one exact fragment, which must occur exactly once in the
input: if the library changes under a mutant, the build fails here instead
of silently testing nothing.
"""
import sys

# name -> (source file, property it breaks, original fragment, mutated fragment)
MUTANTS = {
    "p1": ("authority.cpp", "P1: mint may add rights the source lacks",
           "derived.rights = src.rights & static_cast<Rights>(raw_rights);",
           "derived.rights = static_cast<Rights>(raw_rights) & meaningful_rights(src.kind);"),
    "p2": ("reaper.cpp", "P2: revoke reports done when its budget runs out",
           "        if (!budget.spend()) {\n            return Status::preempted;\n        }\n        Slot* leaf",
           "        if (!budget.spend()) {\n            return Status::ok;\n        }\n        Slot* leaf"),
    "p3": ("retype.cpp", "P3: retype resets the watermark although children are alive",
           "const bool reset = !mdb::has_children(untyped) && !destruction_pending();",
           "const bool reset = !destruction_pending();"),
    "p4": ("lookup.cpp", "P4: lookup ignores the guard",
           "if (take_bits(cptr, remaining, node->guard_bits) != node->guard) {",
           "if (false && take_bits(cptr, remaining, node->guard_bits) != node->guard) {"),
    "p5": ("retype.cpp", "P5: retype accepts any capability as the Untyped",
           "if (untyped.cap.kind != ObjectKind::untyped) {",
           "if (false && untyped.cap.kind != ObjectKind::untyped) {"),
}


def main() -> int:
    name, source, output = sys.argv[1:4]
    file_name, description, original, mutated = MUTANTS[name]
    if not source.endswith(file_name):
        sys.exit(f"mutant {name} applies to {file_name}, not {source}")
    text = open(source, encoding="utf-8").read()
    count = text.count(original)
    if count != 1:
        sys.exit(f"mutant {name}: fragment found {count} times in {source}, expected once")
    with open(output, "w", encoding="utf-8") as out:
        out.write(f"// MUTANT {name} ({description}); generated from {file_name}\n")
        out.write(text.replace(original, mutated))
    return 0


if __name__ == "__main__":
    sys.exit(main())
