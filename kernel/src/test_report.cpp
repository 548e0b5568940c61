#include "test_report.hpp"

namespace septum {

void TestReport::begin(const char* suite) { console::print("SEPTUM-TEST BEGIN {}\n", suite); }

void TestReport::end() {
    console::print("SEPTUM-TEST SUMMARY passed={} failed={} skipped={}\n", passed_, failed_, skipped_);
}

void TestReport::finish() { console::print("SEPTUM-TEST END\n"); }

}  // namespace septum
