#include "description/check.hpp"

#include <cstddef>
#include <cstring>

#include "septum/abi/invocation.hpp"

namespace septum::roottask::description {

namespace {

constexpr std::uint64_t page = 4096;
constexpr std::uint64_t flat_limit = std::uint64_t{1} << 20;  // real mode reaches the first MiB
// Whether the cells' budgets fit in the CPU, exactly: shares in units of
// 1/L with L the least common multiple of the periods. Should L grow past
// 2^32 (unusual periods), shares are counted in units of 2^-32 rounded up,
// which never under-counts.
constexpr std::uint64_t fallback_units = std::uint64_t{1} << 32;

std::uint64_t gcd(std::uint64_t a, std::uint64_t b) {
    while (b != 0) {
        const std::uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

bool terminated(const char* s, std::uint64_t size) { return std::memchr(s, '\0', size) != nullptr; }

bool name_ok(const char* s) {
    if (!terminated(s, abi::name_size) || s[0] == '\0') {
        return false;
    }
    for (const char* p = s; *p != '\0'; ++p) {
        const char c = *p;
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool module_name_ok(const char* s) {
    if (!terminated(s, abi::module_name_size) || s[0] == '\0') {
        return false;
    }
    for (const char* p = s; *p != '\0'; ++p) {
        if (*p <= ' ' || *p > '~') {
            return false;
        }
    }
    return true;
}

// An initrd module and a command line: for Linux kernels only, each
// terminated, the command line printable (it reaches the guest's kernel).
Error check_linux_parts(const abi::CellDescription& c) {
    if (!terminated(c.command_line, abi::command_line_size) || !terminated(c.initrd_module, abi::module_name_size)) {
        return Error::command_line;
    }
    for (const char* p = c.command_line; *p != '\0'; ++p) {
        if (*p < ' ' || *p > '~') {
            return Error::command_line;
        }
    }
    const bool parts = c.initrd_module[0] != '\0' || c.command_line[0] != '\0';
    if (parts && !abi::is_linux(c.image_kind)) {
        return Error::linux_only;
    }
    if (c.initrd_module[0] != '\0' && !module_name_ok(c.initrd_module)) {
        return Error::module_name;
    }
    return Error::none;
}

Error check_cell(const abi::CellDescription& c) {
    if (!name_ok(c.name)) {
        return Error::name;
    }
    if (!module_name_ok(c.vmm_module) || !module_name_ok(c.guest_module)) {
        return Error::module_name;
    }
    if (c.image_kind != abi::ImageKind::flat && c.image_kind != abi::ImageKind::multiboot &&
        !abi::is_linux(c.image_kind)) {
        return Error::image_kind;
    }
    if (const Error e = check_linux_parts(c); e != Error::none) {
        return e;
    }
    if (c.guest_ram_bytes == 0 || c.guest_ram_bytes % page != 0 || c.guest_ram_bytes > max_guest_ram) {
        return Error::guest_ram;
    }
    if (c.image_kind == abi::ImageKind::flat && (c.guest_entry >= c.guest_ram_bytes || c.guest_entry >= flat_limit)) {
        return Error::guest_entry;
    }
    if (c.priority < 1 || c.priority > 254) {
        return Error::priority;
    }
    if (c.period_us > abi::max_period_us || c.budget_us < abi::min_budget_us || c.budget_us > c.period_us) {
        return Error::budget;
    }
    if (c.max_resets > max_resets) {
        return Error::resets;
    }
    return Error::none;
}

// The cells' budgets and the console monitor's, which serves them all.
bool fits(const abi::CellDescription* cells, std::uint32_t count) {
    std::uint64_t units = monitor_period_us;  // the least common multiple of the periods, while it stays small
    for (std::uint32_t i = 0; i < count && units <= fallback_units; ++i) {
        units = units / gcd(units, cells[i].period_us) * cells[i].period_us;  // units <= 2^32, period < 2^24
    }
    const bool exact = units <= fallback_units;
    units = exact ? units : fallback_units;
    auto share = [&](std::uint64_t budget, std::uint64_t period) {
        return exact ? budget * (units / period) : ((budget << 32) + period - 1) / period;
    };
    std::uint64_t total = share(monitor_budget_us, monitor_period_us);
    for (std::uint32_t i = 0; i < count; ++i) {
        total += share(cells[i].budget_us, cells[i].period_us);
    }
    return total <= units;
}

}  // namespace

Verdict check(const void* bytes, std::uint64_t size) {
    constexpr std::uint64_t header = offsetof(abi::SystemDescription, cells);
    if (bytes == nullptr || size < header) {
        return {Error::too_short};
    }
    abi::SystemDescription d{};
    std::memcpy(&d, bytes, size < sizeof d ? size : sizeof d);
    if (d.magic != abi::system_magic) {
        return {Error::bad_magic};
    }
    if (d.version != abi::system_version) {
        return {Error::bad_version};
    }
    if (d.cell_count == 0 || d.cell_count > abi::max_system_cells) {
        return {Error::cell_count};
    }
    if (size < header + std::uint64_t{d.cell_count} * sizeof(abi::CellDescription)) {
        return {Error::too_short};
    }
    for (std::uint32_t i = 0; i < d.cell_count; ++i) {
        if (const Error e = check_cell(d.cells[i]); e != Error::none) {
            return {e, i};
        }
        for (std::uint32_t j = 0; j < i; ++j) {
            if (std::strncmp(d.cells[i].name, d.cells[j].name, abi::name_size) == 0) {
                return {Error::duplicate_name, i};
            }
        }
    }
    if (!fits(d.cells, d.cell_count)) {
        return {Error::overcommitted};
    }
    return {};
}

const char* explain(Error e) {
    switch (e) {
#define SEPTUM_X(name, text) \
    case Error::name:        \
        return text;
        SEPTUM_DESCRIPTION_ERRORS(SEPTUM_X)
#undef SEPTUM_X
    }
    return "unknown error";
}

const char* error_name(Error e) {
    switch (e) {
#define SEPTUM_X(name, text) \
    case Error::name:        \
        return #name;
        SEPTUM_DESCRIPTION_ERRORS(SEPTUM_X)
#undef SEPTUM_X
    }
    return "unknown";
}

}  // namespace septum::roottask::description
