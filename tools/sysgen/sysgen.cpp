// sysgen: compiles a system description from TOML (systems/*.toml) into the
// binary form the root task reads (abi/system_description.hpp), and checks it with the
// root task's own rules (roottask/description/check.cpp) so a mistake is
// found at build time, with the file and the cell named. The root task
// checks it again at boot: the binary is input there too.
#include <fmt/core.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "description/check.hpp"
#include "septum/abi/system_description.hpp"

namespace {

using septum::abi::CellDescription;
using septum::abi::SystemDescription;

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const std::set<std::string> cell_keys = {"name",    "vmm",      "guest",  "image",  "entry",
                                         "ram_kib", "priority", "budget", "period", "resets"};

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
    } else {
        throw Failure(fmt::format("image must be \"flat\" or \"multiboot\", is \"{}\"", image));
    }
    c.guest_entry = integer(t, "entry", c.image_kind == septum::abi::ImageKind::flat ? 0x1000 : 0);
    const std::uint64_t kib = integer(t, "ram_kib", std::nullopt);
    if (kib > septum::roottask::description::max_guest_ram / 1024) {
        throw Failure(
            fmt::format("ram_kib is {}, at most {}", kib, septum::roottask::description::max_guest_ram / 1024));
    }
    c.guest_ram_bytes = kib * 1024;
    c.priority = integer(t, "priority", 100);
    c.budget = integer(t, "budget", std::nullopt);
    c.period = integer(t, "period", std::nullopt);
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compile a Septum system description (TOML) into the root task's binary form"};
    std::string input, output;
    app.add_option("input", input, "the system description, TOML")->required()->check(CLI::ExistingFile);
    app.add_option("-o,--output", output, "where the binary goes")->required();
    CLI11_PARSE(app, argc, argv);
    try {
        const SystemDescription d = compile(toml::parse_file(input));
        const auto verdict = septum::roottask::description::check(&d, sizeof d);
        if (about_a_cell(verdict.error)) {
            throw Failure(fmt::format("cell {} (\"{}\"): {}", verdict.cell, d.cells[verdict.cell].name,
                                      septum::roottask::description::explain(verdict.error)));
        }
        if (verdict.error != septum::roottask::description::Error::none) {
            throw Failure(septum::roottask::description::explain(verdict.error));
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
