// Stand-ins for the interrupt path's ends: a controller that records the
// levels devices drive, and a local APIC that records what it is sent.
#pragma once

#include <septum/vmm/interrupts.hpp>

#include <utility>
#include <vector>

namespace septum::vmm::testing {

struct RecordingLines final : InterruptLines {
    std::vector<std::pair<unsigned, bool>> changes;  // (line, asserted), in order
    void set_line(unsigned line, bool asserted) override { changes.emplace_back(line, asserted); }
    [[nodiscard]] bool level(unsigned line) const {
        for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
            if (it->first == line) {
                return it->second;
            }
        }
        return false;
    }
    [[nodiscard]] std::size_t rising_edges(unsigned line) const {
        std::size_t edges = 0;
        bool now = false;
        for (const auto& [l, asserted] : changes) {
            if (l == line) {
                edges += asserted && !now ? 1 : 0;
                now = asserted;
            }
        }
        return edges;
    }
};

struct RecordingApic final : InterruptReceiver {
    std::vector<InterruptMessage> messages;
    void deliver(const InterruptMessage& message) override { messages.push_back(message); }
};

}  // namespace septum::vmm::testing
