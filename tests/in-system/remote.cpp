// A second address space: IPC with a thread that runs in its own PML4 and
// CSpace (the remote_server code of remote.S, copied there), and what each
// side can and cannot see of the other's memory.
#include "common.hpp"
#include "registry.hpp"
#include "remote_space.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

// A page only the remote address space maps.
constexpr std::uint64_t remote_private = 0x300000000000;
constexpr std::uint64_t remote_magic = 0x5eb7a5eb7a5eb7a5;
// Something only the root task's address space maps: its own data.
volatile std::uint64_t root_only_word = 0x1234;

void cross_address_space(Env& env) {
    const char* name = "ipc.cross-address-space";
    RemoteSpace r;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    if (!env.report->setup(ep, name, "endpoint") ||
        !env.report->setup(make_remote(env, r, ep.value(), 200, 0), name, "remote space")) {
        return;
    }
    const Result<CPtr> badged = env.mint(ep.value(), rights_all, 0xb0b);
    if (!env.report->setup(badged, name, "mint")) {
        return;
    }
    const user::Reply a = user::call(badged.value(), user::message(REMOTE_LABEL_ECHO, {41}));
    const user::Reply b = user::call(ep.value(), user::message(REMOTE_LABEL_ECHO, {99}));
    env.report->check(a.status == Status::ok && a.message.info.label == REMOTE_LABEL_ECHO && a.message.mr[0] == 42 &&
                          a.message.mr[1] == 0xb0b && b.status == Status::ok && b.message.mr[0] == 100 &&
                          b.message.mr[1] == 0,
                      name, "replies {} and {}, badges seen {:x} and {:x} (want 42 and 100, 0xb0b and 0x0)",
                      a.message.mr[0], b.message.mr[0], a.message.mr[1], b.message.mr[1]);
}

void isolation(Env& env) {
    const char* name = "vspace.isolation";
    RemoteSpace r;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> faults = env.make(ObjectKind::endpoint);
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(faults, name, "endpoint") ||
        !env.report->setup(make_remote(env, r, ep.value(), 200, faults.value()), name, "remote space") ||
        !env.report->setup(map_remote_word(env, r.pml4, remote_private, remote_magic), name, "remote page")) {
        return;
    }
    // The remote thread reads its own page.
    const user::Reply own = user::call(ep.value(), user::message(REMOTE_LABEL_READ, {remote_private}));
    // A thread of the root task's address space cannot.
    ProbeRun probe;
    if (!env.report->setup(start_probe(env, probe, ProbeOp::read, remote_private, 0), name, "probe")) {
        return;
    }
    const user::Reply local = user::recv(probe.endpoint);
    const user::Reply done = user::reply_recv(probe.endpoint, fault_reply(address_of(probe_read_done)));
    // The remote thread cannot read the root task's data.
    const Status sent = user::send(ep.value(), user::message(REMOTE_LABEL_READ, {address_of(&root_only_word)})).status;
    const user::Reply remote = user::recv(faults.value());
    const bool ok = own.status == Status::ok && own.message.mr[0] == remote_magic &&
                    local.message.info.label == fault_label(abi::Fault::page_fault) &&
                    local.message.mr[1] == remote_private && done.message.mr[0] == PROBE_SENTINEL &&
                    sent == Status::ok && remote.message.info.label == fault_label(abi::Fault::page_fault) &&
                    remote.message.mr[1] == address_of(&root_only_word) &&
                    remote.message.mr[0] >= address_of(__remote_text_start) &&
                    remote.message.mr[0] < address_of(__remote_text_end);
    env.report->check(ok, name,
                      "remote read its page: {:x}; root-space read of it faulted at {:x} (label {}); remote read of "
                      "root data faulted at {:x} (label {}, rip {:x})",
                      own.message.mr[0], local.message.mr[1], local.message.info.label, remote.message.mr[1],
                      remote.message.info.label, remote.message.mr[0]);
}

const TestCase group[] = {
    {"ipc.cross-address-space", cross_address_space},
    {"vspace.isolation", isolation},
};

}  // namespace

SEPTUM_TEST_GROUP(remote_tests, group);

}  // namespace septum::roottask
