"""Tests of the boot test protocol's parser and judge (protocol.py)."""

import unittest

import protocol
from protocol import Expectations, judge, parse

GOOD = """\
noise before the report
SEPTUM-TEST BEGIN boot
PASS cpu.long-mode: EFER=0xd00
SKIP vmx.cpuid: VMX absent
INFO boot.tsc-to-banner: 23665 TSC ticks
SEPTUM-TEST SUMMARY passed=1 failed=0 skipped=1
SEPTUM-TEST END
"""

FAULT = """\
SEPTUM-TEST BEGIN boot
PASS cpu.long-mode: EFER=0xd00
EXCEPTION 14 (#PF) error=0x2 rip=0xffffffff80101000 cr2=0xdead000
FAIL kernel.exception: unexpected #PF (vector 14) at rip=0xffffffff80101000 cr2=0xdead000
SEPTUM-TEST END
"""


class ParseTest(unittest.TestCase):
    def test_expected_lines(self):
        text = GOOD.replace("noise before the report", "[hello] hello from the guest")
        self.assertEqual(judge(parse(text), Expectations(lines=["[hello] hello from the guest"])), [])
        problems = judge(parse(GOOD), Expectations(lines=["[hello] hello from the guest"]))
        self.assertEqual(len(problems), 1)
        self.assertIn("never came", problems[0])
        after_end = GOOD + "[hello] hello from the guest\n"
        self.assertEqual(len(judge(parse(after_end), Expectations(lines=["[hello] hello from the guest"]))), 1)

    def test_expected_line_starts(self):
        text = GOOD.replace("noise before the report", "INFO system.ended.b: code a; 99 lost")
        self.assertEqual(judge(parse(text), Expectations(line_starts=["INFO system.ended.b: code a;"])), [])
        problems = judge(parse(text), Expectations(line_starts=["INFO system.ended.b: code b;"]))
        self.assertEqual(len(problems), 1)
        self.assertIn("starting", problems[0])

    def test_expected_shares(self):
        lines = "[w] share 101 worst 99 gaps 128\n[other] share 3 worst 0 gaps 1\n[w] share 97 worst 0 gaps 130\n"
        text = GOOD.replace("noise before the report\n", lines)
        self.assertEqual(protocol.shares_of(parse(text), "w"), [101, 97])
        self.assertEqual(judge(parse(text), Expectations(shares={"w": (95, 105)})), [])
        problems = judge(parse(text), Expectations(shares={"w": (98, 105)}))
        self.assertEqual(len(problems), 1)
        self.assertIn("1 of 2 rounds (#2: 97)", problems[0])
        problems = judge(parse(GOOD), Expectations(shares={"w": (95, 105)}))
        self.assertEqual(len(problems), 1)
        self.assertIn("never came", problems[0])

    def test_parses_checks_summary_and_end(self):
        r = parse(GOOD)
        self.assertEqual(r.suites, ["boot"])
        self.assertEqual([c.name for c in r.checks], ["cpu.long-mode", "vmx.cpuid", "boot.tsc-to-banner"])
        self.assertEqual(r.summaries, [("boot", (1, 0, 1), (1, 0, 1))])
        self.assertTrue(r.ended)
        self.assertEqual(r.status_of("vmx.cpuid"), "SKIP")

    def test_carriage_returns_are_tolerated(self):
        self.assertTrue(parse(GOOD.replace("\n", "\r\n")).ended)

    def test_lines_after_end_are_ignored(self):
        r = parse(GOOD + "FAIL late.check: after the end\n")
        self.assertIsNone(r.status_of("late.check"))

    def test_exception_line(self):
        e = parse(FAULT).exception
        self.assertEqual((e.vector, e.mnemonic, e.error_code, e.cr2), (14, "#PF", 2, 0xDEAD000))


class JudgeTest(unittest.TestCase):
    def test_good_run_passes(self):
        self.assertEqual(judge(parse(GOOD), Expectations()), [])

    def test_missing_end_marker_fails(self):
        text = GOOD.replace(protocol.END + "\n", "")
        self.assertIn("no end marker", judge(parse(text), Expectations())[0])

    def test_fail_line_fails(self):
        text = GOOD.replace("PASS cpu.long-mode", "FAIL cpu.long-mode").replace("passed=1 failed=0", "passed=0 failed=1")
        self.assertEqual(judge(parse(text), Expectations()), ["FAIL cpu.long-mode: EFER=0xd00"])

    def test_summary_must_match_lines(self):
        text = GOOD.replace("passed=1", "passed=2")
        self.assertIn("disagrees", judge(parse(text), Expectations())[0])

    def test_several_suites_each_with_its_summary(self):
        second = "SEPTUM-TEST BEGIN system\nPASS ipc.call: ok\nSEPTUM-TEST SUMMARY passed=1 failed=0 skipped=0\n"
        text = GOOD.replace("SEPTUM-TEST END\n", second + "SEPTUM-TEST END\n")
        self.assertEqual(judge(parse(text), Expectations()), [])
        wrong = text.replace("passed=1 failed=0 skipped=0\nSEPTUM-TEST END", "passed=2 failed=0 skipped=0\nSEPTUM-TEST END")
        self.assertIn("summary of system", judge(parse(wrong), Expectations())[0])

    def test_suite_without_summary_fails(self):
        text = GOOD.replace("SEPTUM-TEST END\n", "SEPTUM-TEST BEGIN system\nPASS a.b: c\nSEPTUM-TEST END\n")
        self.assertEqual(judge(parse(text), Expectations()), ["a suite has no summary line"])

    def test_missing_summary_fails(self):
        text = "\n".join(l for l in GOOD.splitlines() if "SUMMARY" not in l)
        self.assertEqual(judge(parse(text), Expectations()), ["no summary line"])

    def test_malformed_status_line_fails(self):
        text = GOOD.replace("PASS cpu.long-mode: EFER=0xd00", "PASS this is not a check")
        self.assertTrue(any("malformed" in p for p in judge(parse(text), Expectations())))

    def test_requirements(self):
        ok = Expectations(require={"vmx.cpuid": "SKIP"})
        self.assertEqual(judge(parse(GOOD), ok), [])
        wrong = Expectations(require={"vmx.cpuid": "PASS", "apic.timer": "PASS"})
        self.assertEqual(judge(parse(GOOD), wrong),
                         ["required vmx.cpuid=PASS, got SKIP", "required apic.timer=PASS, got nothing"])

    def test_expected_exception(self):
        self.assertEqual(judge(parse(FAULT), Expectations(exception_vector=14, exception_cr2=0xDEAD000)), [])
        wrong = judge(parse(FAULT), Expectations(exception_vector=13, exception_cr2=0x1000))
        self.assertEqual(len(wrong), 2)

    def test_expected_exception_missing(self):
        self.assertIn("saw none", judge(parse(GOOD), Expectations(exception_vector=14))[0])

    def test_unexpected_exception_fails_a_normal_run(self):
        self.assertIn("FAIL kernel.exception", judge(parse(FAULT), Expectations())[0])


if __name__ == "__main__":
    unittest.main()
