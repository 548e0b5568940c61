// The test groups, one file each in tests/in-system/, run in this order.
#pragma once

#include <cstddef>

#include "env.hpp"

namespace septum::roottask {

struct TestCase {
    const char* name;
    void (*run)(Env&);
};

struct TestGroup {
    const TestCase* cases;
    std::size_t count;
};

extern const TestGroup ipc_tests;
extern const TestGroup remote_tests;
extern const TestGroup notify_tests;
extern const TestGroup cspace_tests;
extern const TestGroup untyped_tests;
extern const TestGroup vspace_tests;
extern const TestGroup fault_tests;
extern const TestGroup sched_tests;
extern const TestGroup irq_tests;
extern const TestGroup fpu_tests;
extern const TestGroup vmx_tests;
extern const TestGroup cell_tests;
extern const TestGroup share_tests;
extern const TestGroup error_syscall_tests;
extern const TestGroup error_invoke_tests;
extern const TestGroup bench_tests;

inline const TestGroup* const all_groups[] = {
    &ipc_tests,   &remote_tests,        &notify_tests,       &cspace_tests, &untyped_tests, &vspace_tests,
    &fault_tests, &sched_tests,         &irq_tests,          &fpu_tests,    &vmx_tests,     &cell_tests,
    &share_tests, &error_syscall_tests, &error_invoke_tests, &bench_tests,
};

// Defines a group from an array of TestCase.
#define SEPTUM_TEST_GROUP(name, cases) \
    const TestGroup name { cases, sizeof(cases) / sizeof((cases)[0]) }

}  // namespace septum::roottask
