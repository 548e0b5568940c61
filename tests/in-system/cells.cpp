#include "cells.hpp"

#include <cstring>

#include "program.hpp"

namespace septum::roottask {

bool kept_equals(const CellWatch& w, const char* text) {
    const std::size_t n = std::strlen(text);
    return w.kept_length == n && std::memcmp(w.kept, text, n) == 0;
}

bool reported(const CellWatch& w, abi::CellReport label, std::uint64_t code) {
    return w.reported && w.label == static_cast<std::uint64_t>(label) && w.code == code;
}

Shown::Shown(const CellWatch& w) {
    for (std::uint64_t i = 0; i < w.kept_length; ++i) {
        text[i] = w.kept[i] >= ' ' && w.kept[i] <= '~' ? w.kept[i] : ' ';
    }
}

bool find_modules(Env& env, const char* name, std::initializer_list<const char*> names,
                  const abi::ModuleDescription** out) {
    for (const char* m : names) {
        *out = find_module(*env.bi, m);
        if (*out == nullptr) {
            env.report->check(false, name, "boot module {} missing", m);
            return false;
        }
        ++out;
    }
    return true;
}

CellSpec spec_of(const char* name, const abi::ModuleDescription* vmm, const abi::ModuleDescription* image) {
    CellSpec s;
    s.name = name;
    s.vmm = vmm;
    s.image = image;
    return s;
}

Status run_alone(Env& env, const CellSpec& spec, Solo& r, unsigned index) {
    r.watch.cell = &r.cell;
    Monitor monitor(r.link, &r.watch, 1, nullptr);
    SEPTUM_TRY(make_link(env, r.link));
    SEPTUM_TRY(build_cell(env, spec, r.link, index, r.cell));
    SEPTUM_TRY(monitor.start(env));
    monitor.run_to_end();
    return Status::ok;
}

}  // namespace septum::roottask
