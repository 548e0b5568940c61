// sysgen: compiles a system description from TOML (systems/*.toml) into the
// binary form the root task reads (abi/system_description.hpp), and checks it with the
// root task's own rules (roottask/description/check.cpp) so a mistake is
// found at build time, with the file and the cell named. The root task
// checks it again at boot: the binary is input there too. Given the boot
// modules (--module NAME=FILE), it says what building each cell takes
// (roottask/description/need.cpp), which the root task checks against the
// machine before it builds any.
#include <fmt/core.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "description/check.hpp"
#include "description/need.hpp"
#include "septum/abi/system_description.hpp"

namespace {

using septum::abi::CellDescription;
using septum::abi::SystemDescription;

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const std::set<std::string> cell_keys = {"name",     "vmm",       "guest",     "image",  "entry",  "ram_kib", "ram_mib",
                                         "priority", "budget_us", "period_us", "resets", "initrd", "cmdline"};

void copy_string(char* out, std::size_t size, const std::string& value, const std::string& what) {
    if (value.empty() || value.size() >= size) {
        throw Failure(fmt::format("{} must have 1 to {} characters, has {}", what, size - 1, value.size()));
    }
    std::memcpy(out, value.data(), value.size());
}

std::uint64_t integer(const toml::table& t, const char* key, std::optional<std::uint64_t> fallback) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
        if (!fallback) {
            throw Failure(fmt::format("'{}' is missing", key));
        }
        return *fallback;
    }
    const auto v = n->value<std::int64_t>();
    if (!v || *v < 0) {
        throw Failure(fmt::format("'{}' must be a non-negative integer", key));
    }
    return static_cast<std::uint64_t>(*v);
}

std::string text(const toml::table& t, const char* key, std::optional<std::string> fallback) {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
        if (!fallback) {
            throw Failure(fmt::format("'{}' is missing", key));
        }
        return *fallback;
    }
    const auto v = n->value<std::string>();
    if (!v) {
        throw Failure(fmt::format("'{}' must be a string", key));
    }
    return *v;
}

// Guest RAM from exactly one of ram_kib (small test guests) and ram_mib.
std::uint64_t guest_ram(const toml::table& t) {
    constexpr std::uint64_t max = septum::roottask::description::max_guest_ram;
    const bool kib = t.contains("ram_kib"), mib = t.contains("ram_mib");
    if (kib == mib) {
        throw Failure(kib ? "both 'ram_kib' and 'ram_mib': give one" : "'ram_kib' or 'ram_mib' is missing");
    }
    const char* key = kib ? "ram_kib" : "ram_mib";
    const std::uint64_t unit = kib ? 1024 : 1024 * 1024;
    const std::uint64_t n = integer(t, key, std::nullopt);
    if (n > max / unit) {
        throw Failure(fmt::format("{} is {}, at most {}", key, n, max / unit));
    }
    return n * unit;
}

CellDescription cell_from(const toml::table& t) {
    for (const auto& [key, value] : t) {
        if (cell_keys.count(std::string(key.str())) == 0) {
            throw Failure(fmt::format("unknown key '{}'", key.str()));
        }
    }
    CellDescription c{};
    copy_string(c.name, sizeof c.name, text(t, "name", std::nullopt), "name");
    copy_string(c.vmm_module, sizeof c.vmm_module, text(t, "vmm", "vmm-server"), "vmm");
    copy_string(c.guest_module, sizeof c.guest_module, text(t, "guest", std::nullopt), "guest");
    const std::string image = text(t, "image", "flat");
    if (image == "flat") {
        c.image_kind = septum::abi::ImageKind::flat;
    } else if (image == "multiboot") {
        c.image_kind = septum::abi::ImageKind::multiboot;
    } else if (image == "linux-pvh") {
        c.image_kind = septum::abi::ImageKind::linux_pvh;
    } else if (image == "linux-bzimage") {
        c.image_kind = septum::abi::ImageKind::linux_bzimage;
    } else {
        throw Failure(
            fmt::format("image must be \"flat\", \"multiboot\", \"linux-pvh\" or \"linux-bzimage\", is \"{}\"", image));
    }
    if (t.contains("initrd")) {
        copy_string(c.initrd_module, sizeof c.initrd_module, text(t, "initrd", std::nullopt), "initrd");
    }
    if (t.contains("cmdline")) {
        copy_string(c.command_line, sizeof c.command_line, text(t, "cmdline", std::nullopt), "cmdline");
    }
    c.guest_entry = integer(t, "entry", c.image_kind == septum::abi::ImageKind::flat ? 0x1000 : 0);
    c.guest_ram_bytes = guest_ram(t);
    c.priority = integer(t, "priority", 100);
    c.budget_us = integer(t, "budget_us", std::nullopt);
    c.period_us = integer(t, "period_us", std::nullopt);
    c.max_resets = integer(t, "resets", 0);
    return c;
}

SystemDescription compile(const toml::table& root) {
    for (const auto& [key, value] : root) {
        if (key.str() != "cell") {
            throw Failure(fmt::format("unknown top-level key '{}' (a system has [[cell]] tables)", key.str()));
        }
    }
    const toml::array* cells = root["cell"].as_array();
    if (cells == nullptr || cells->empty()) {
        throw Failure("no [[cell]] tables");
    }
    if (cells->size() > septum::abi::max_system_cells) {
        throw Failure(fmt::format("{} cells, at most {}", cells->size(), septum::abi::max_system_cells));
    }
    SystemDescription d{};
    d.magic = septum::abi::system_magic;
    d.version = septum::abi::system_version;
    for (std::size_t i = 0; i < cells->size(); ++i) {
        const toml::table* t = cells->get(i)->as_table();
        if (t == nullptr) {
            throw Failure(fmt::format("cell {} is not a table", i));
        }
        try {
            d.cells[i] = cell_from(*t);
        } catch (const Failure& f) {
            throw Failure(fmt::format("cell {}: {}", i, f.what()));
        }
        d.cell_count = static_cast<std::uint32_t>(i + 1);
    }
    return d;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Failure(fmt::format("cannot read {}", path));
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using Modules = std::map<std::string, std::string>;  // boot module name -> file

Modules modules_from(const std::vector<std::string>& args) {
    Modules m;
    for (const std::string& a : args) {
        const std::size_t eq = a.find('=');
        if (eq == 0 || eq == std::string::npos || eq + 1 == a.size()) {
            throw Failure(fmt::format("--module {}: want NAME=FILE", a));
        }
        m[a.substr(0, eq)] = a.substr(eq + 1);
    }
    return m;
}

const std::string& module_file(const Modules& modules, const char* name, std::uint32_t cell, const char* cell_name) {
    const auto it = modules.find(name);
    if (it == modules.end()) {
        throw Failure(fmt::format("cell {} (\"{}\"): boot module {} is not among the modules (--module {}=FILE)", cell,
                                  cell_name, name, name));
    }
    return it->second;
}

constexpr std::uint64_t kib(std::uint64_t bytes) { return (bytes + 1023) / 1024; }

// A cell's guest RAM in 2 MiB frames, from Untypeds of its own.
std::string large_ram(const septum::roottask::description::CellNeed& n) {
    if (n.large_ram == 0) {
        return "";
    }
    std::string sizes;
    for (unsigned u = 1; u < n.untyped_count(); ++u) {
        sizes += fmt::format("{}{}", u == 1 ? "" : " + ", kib(std::uint64_t{1} << n.untyped_size_bits(u)));
    }
    return fmt::format("guest RAM of {} KiB in 2 MiB frames from Untypeds of {} KiB; ", kib(n.large_ram), sizes);
}

// What building each cell takes, as the root task works it out at boot.
void print_needs(const SystemDescription& d, const Modules& modules) {
    namespace description = septum::roottask::description;
    std::uint64_t untyped = 0, slots = 0;
    std::string lines;
    for (std::uint32_t i = 0; i < d.cell_count; ++i) {
        const CellDescription& c = d.cells[i];
        const std::string& vmm_file = module_file(modules, c.vmm_module, i, c.name);
        const std::vector<std::uint8_t> vmm = read_file(vmm_file);
        const std::uint64_t image = read_file(module_file(modules, c.guest_module, i, c.name)).size();
        septum::elf::Image program;
        if (!description::read_program(vmm.data(), vmm.size(), program)) {
            throw Failure(fmt::format("cell {} (\"{}\"): {} ({}) is not an ELF executable the root task can load", i,
                                      c.name, c.vmm_module, vmm_file));
        }
        const bool linux_kernel = septum::abi::is_linux(c.image_kind);
        const std::uint64_t limit = description::max_image_bytes_for(c.image_kind);
        if (image == 0 || image > limit) {
            throw Failure(fmt::format("cell {} (\"{}\"): guest image {} has {} bytes, not 1 to {}", i, c.name,
                                      c.guest_module, image, limit));
        }
        description::CellParts parts{c.guest_ram_bytes / 4096, linux_kernel ? 0 : image, &program, c.period_us != 0};
        if (linux_kernel) {
            // Where GRUB puts the modules is known only at boot: the worst case.
            parts.kernel = {description::worst_module_offset, image};
            parts.apic_pages = true;  // as the root task's need_of says
        }
        if (c.initrd_module[0] != '\0') {
            const std::uint64_t initrd = read_file(module_file(modules, c.initrd_module, i, c.name)).size();
            if (initrd == 0 || initrd > description::max_initrd_bytes) {
                throw Failure(fmt::format("cell {} (\"{}\"): initrd {} has {} bytes, not 1 to {}", i, c.name,
                                          c.initrd_module, initrd, description::max_initrd_bytes));
            }
            parts.initrd = {description::worst_module_offset, initrd};
        }
        const description::CellNeed n = description::cell_need(parts);
        untyped += n.all_untyped_bytes();
        slots += n.root_slots();
        lines += fmt::format(
            "  {}: {}an Untyped of {} KiB for {} KiB (in KiB: 4 KiB guest pages {}, image {}, VMM program {}, "
            "page tables {}, other objects {}, alignment at most {}); {} slots\n",
            c.name, large_ram(n), kib(n.untyped_bytes()), kib(n.bytes), kib(n.guest_ram), kib(n.image), kib(n.program),
            kib(n.page_tables), kib(n.objects), kib(n.alignment), n.root_slots());
    }
    fmt::print("sysgen: {} cells need {} KiB of Untyped memory and {} slots of the root task's CNode:\n{}",
               d.cell_count, kib(untyped), slots, lines);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compile a Septum system description (TOML) into the root task's binary form"};
    std::string input, output;
    std::vector<std::string> module_args;
    app.add_option("input", input, "the system description, TOML")->required()->check(CLI::ExistingFile);
    app.add_option("-o,--output", output, "where the binary goes")->required();
    app.add_option("--module", module_args,
                   "NAME=FILE: a boot module of the image; given every module the cells name, sysgen says what "
                   "building each cell takes");
    CLI11_PARSE(app, argc, argv);
    try {
        const Modules modules = modules_from(module_args);
        const SystemDescription d = compile(toml::parse_file(input));
        const auto verdict = septum::roottask::description::check(&d, sizeof d);
        if (about_a_cell(verdict.error)) {
            throw Failure(fmt::format("cell {} (\"{}\"): {}", verdict.cell, d.cells[verdict.cell].name,
                                      septum::roottask::description::explain(verdict.error)));
        }
        if (verdict.error != septum::roottask::description::Error::none) {
            throw Failure(septum::roottask::description::explain(verdict.error));
        }
        if (modules.empty()) {
            std::uint64_t ram = 0;
            for (std::uint32_t i = 0; i < d.cell_count; ++i) {
                ram += d.cells[i].guest_ram_bytes;
            }
            fmt::print(
                "sysgen: {} cells, {} KiB of guest RAM; with the modules (--module NAME=FILE) sysgen says "
                "what building them takes\n",
                d.cell_count, kib(ram));
        } else {
            print_needs(d, modules);
        }
        std::ofstream out(output, std::ios::binary);
        out.write(reinterpret_cast<const char*>(&d), sizeof d);
        if (!out) {
            throw Failure(fmt::format("cannot write {}", output));
        }
    } catch (const toml::parse_error& e) {
        fmt::print(stderr, "sysgen: {}:{}:{}: {}\n", input, e.source().begin.line, e.source().begin.column,
                   e.description());
        return 1;
    } catch (const Failure& f) {
        fmt::print(stderr, "sysgen: {}: {}\n", input, f.what());
        return 1;
    }
    return 0;
}
