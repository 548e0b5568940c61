// Object invocations: the operations a Call (or Send) performs on a
// capability that is not an Endpoint or Notification. The label in the
// message info picks the operation; its arguments are message words in the
// order listed. Addresses are CSpace addresses resolved in the caller's
// CSpace with all 64 bits (depth 64) unless an argument names a depth.
//
// One source, like syscall.hpp: the kernel decodes with it, user/ builds
// stubs from it, tools/abi-doc documents it.
#pragma once

#include <cstdint>

// X(name, label, object kind, arguments, results, summary)
#define SEPTUM_INVOCATIONS(X)                                                                                        \
    X(untyped_retype, 1, "Untyped", "kind, size, cnode, offset, count", "-",                                         \
      "Make count objects of kind (size: log2 bytes for Untyped, radix for CNode) from the Untyped; their "          \
      "capabilities go to slots offset.. of the CNode at address cnode.")                                            \
    X(cnode_copy, 2, "CNode", "src, src_depth, dest, dest_depth", "-",                                               \
      "Copy the capability at src to the empty slot dest; both addresses resolve from the invoked CNode.")           \
    X(cnode_mint, 3, "CNode", "src, src_depth, dest, dest_depth, rights, data", "-",                                 \
      "Copy with rights reduced to rights and data as the badge (Endpoint, Notification) or guard (CNode).")         \
    X(cnode_move, 4, "CNode", "src, src_depth, dest, dest_depth", "-", "Move a capability to an empty slot.")        \
    X(cnode_mutate, 5, "CNode", "src, src_depth, dest, dest_depth, rights, data", "-",                               \
      "Move, changing rights and data as mint does; the capability must have no children.")                          \
    X(cnode_delete, 6, "CNode", "slot, depth", "-", "Empty the slot; the last capability to an object destroys it.") \
    X(cnode_revoke, 7, "CNode", "slot, depth", "-",                                                                  \
      "Delete every capability derived from the one in the slot. Preemptible: it resumes where it stopped.")         \
    X(tcb_configure, 8, "TCB", "cspace, vspace, ipc_buffer_frame, ipc_buffer_address, fault_endpoint", "-",          \
      "Set the thread's CSpace root (a CNode), VSpace root (a PML4), IPC buffer (a 4 KiB Frame and the address "     \
      "where it is mapped) and fault Endpoint (0: none; an address in the thread's own CSpace).")                    \
    X(tcb_write_registers, 9, "TCB", "rip, rsp, rflags, rdi, rsi, rdx", "-",                                         \
      "Set the thread's user registers; rflags keeps only the arithmetic flags.")                                    \
    X(tcb_read_registers, 10, "TCB", "-", "rip, rsp, rflags, rax, rdi, rsi, rdx",                                    \
      "Read a suspended or blocked thread's user registers.")                                                        \
    X(tcb_resume, 11, "TCB", "-", "-", "Make a configured thread runnable.")                                         \
    X(tcb_suspend, 12, "TCB", "-", "-", "Stop the thread; it leaves any queue it waits in.")                         \
    X(tcb_set_priority, 13, "TCB", "priority", "-", "Set the priority (0-255), at most the caller's own.")           \
    X(tcb_bind_notification, 14, "TCB", "notification", "-",                                                         \
      "Bind a Notification: a signal ends the thread's receive on any Endpoint.")                                    \
    X(tcb_unbind_notification, 15, "TCB", "-", "-", "Unbind the bound Notification.")                                \
    X(tcb_set_sched_context, 16, "TCB", "sched_context", "-",                                                        \
      "Run the thread on the budget of this SchedContext (0: none, the thread runs unlimited).")                     \
    X(sched_context_configure, 17, "SchedContext", "budget_us, period_us", "-",                                      \
      "Allow budget_us microseconds of CPU in every period of period_us, starting now (min_budget_us <= budget_us "  \
      "<= period_us <= max_period_us; 0, 0: no limit).")                                                             \
    X(frame_map, 18, "Frame", "vspace, address, rights", "-",                                                        \
      "Map the frame at address in the VSpace with rights (read 1, write 2, execute 16), at most the "               \
      "capability's; the page tables must be mapped first.")                                                         \
    X(frame_unmap, 19, "Frame", "-", "-", "Remove the mapping this capability made.")                                \
    X(page_table_map, 20, "PDPT, PageDirectory, PageTable", "vspace, address", "-",                                  \
      "Map the paging structure so that it covers address in the VSpace; deleting the capability unmaps it.")        \
    X(io_port_in, 21, "IOPortRange", "port, width", "value", "Read a port in the range; width 1, 2 or 4 bytes.")     \
    X(io_port_out, 22, "IOPortRange", "port, width, value", "-", "Write a port in the range.")                       \
    X(irq_handler_set_notification, 23, "IRQHandler", "notification", "-",                                           \
      "Deliver this interrupt line as a signal of the Notification (with the capability's badge).")                  \
    X(irq_handler_ack, 24, "IRQHandler", "-", "-", "Unmask the line after the interrupt was handled.")               \
    X(vcpu_configure, 25, "VCPU", "guest_memory, state_page", "-",                                                   \
      "Give the VCPU its guest-physical address space (a GuestMemory) and its state page (a 4 KiB Frame the "        \
      "VMM maps, holding abi::VcpuPage).")                                                                           \
    X(vcpu_run, 26, "VCPU", "supply_mask, want_mask[, deadline]", "-",                                               \
      "Enter the guest with the state parts in supply_mask taken from the state page; return at the next exit "      \
      "the kernel does not keep, with the exit information and the parts in want_mask in the state page. "           \
      "A signal on the caller's bound Notification ends the run (reason exit_reason_signal), and so does the TSC "   \
      "reaching deadline (reason exit_reason_deadline; 0: none); the supply is taken either way. With run_halted "   \
      "in supply_mask the guest is not entered: the caller waits for either. Needs VT-x.")                           \
    X(vcpu_read_state, 27, "VCPU", "want_mask", "-",                                                                 \
      "Store the parts of the guest state in want_mask into the state page, as an exit would: for a handler "        \
      "that finds it needs more than its exit brought back. Needs a VCPU that has run.")                             \
    X(vcpu_configure_apic, 28, "VCPU", "virtual_apic_page, apic_access_page, features", "offered",                   \
      "Turn on the CPU's APIC virtualization features (abi::apic_virt; 0: none) and return those the CPU offers. "   \
      "With tpr_shadow the VCPU takes the virtual-APIC page (a 4 KiB Frame, readable and writable, that the VMM "    \
      "maps), with apic_accesses the APIC-access page (likewise; the VMM maps it in guest memory at the xAPIC's "    \
      "address); other arguments are ignored. Refused for features the CPU lacks or the SDM forbids together. "      \
      "Needs a configured VCPU; the next run supplies the whole state.")

namespace septum::abi {

// A SchedContext's limits, in microseconds: a smaller budget would be
// mostly the kernel's own path, and a longer period is no longer a share
// of the CPU anyone could check.
inline constexpr std::uint64_t min_budget_us = 100;
inline constexpr std::uint64_t max_period_us = 10'000'000;

enum class Invocation : std::uint64_t {
// NOLINTNEXTLINE(bugprone-macro-parentheses): expands to an enumerator declaration
#define SEPTUM_INVOCATION_ENUM(name, label, kind, args, results, summary) name = label,
    SEPTUM_INVOCATIONS(SEPTUM_INVOCATION_ENUM)
#undef SEPTUM_INVOCATION_ENUM
};

// Labels of the messages the kernel sends to a fault endpoint. The message
// words are listed; the badge is the fault endpoint capability's.
#define SEPTUM_FAULTS(X)                                                                            \
    X(page_fault, 1, "rip, address, error_code", "A page fault (error code as in SDM Vol. 3 4.7).") \
    X(exception, 2, "rip, vector, error_code", "Any other processor exception: #DE, #UD, #GP, ...")

enum class Fault : std::uint64_t {
// NOLINTNEXTLINE(bugprone-macro-parentheses): expands to an enumerator declaration
#define SEPTUM_FAULT_ENUM(name, label, words, summary) name = label,
    SEPTUM_FAULTS(SEPTUM_FAULT_ENUM)
#undef SEPTUM_FAULT_ENUM
};

// Reply to a fault message: label 0 resumes the thread (at the rip in word 0
// when the reply has one word); any other label leaves it suspended.
inline constexpr std::uint64_t fault_reply_resume = 0;

}  // namespace septum::abi
