#include "boot/root_task.hpp"

#include <cstring>

#include "physical.hpp"
#include "septum/abi/bootinfo.hpp"
#include "septum/caps/capability.hpp"
#include "septum/lib/elf.hpp"
#include "vspace.hpp"

namespace septum::kernel::boot {

namespace {

using caps::ObjectKind;
constexpr std::uint8_t root_cnode_radix = 13;
constexpr std::uint8_t root_priority = 255;
constexpr std::uint64_t page = 4096;
constexpr std::uint64_t large_page = std::uint64_t{1} << 21;

class Builder {
public:
    Builder(Kernel& k, septum::boot::FreeMemory& m) : k_(k), mem_(m) {}

    const char* make_cnode();
    // A new object from free memory with its capability in `at` (or the
    // next free slot); returns its physical address, 0 when memory or slots
    // ran out.
    std::uint64_t make(ObjectKind kind, std::uint8_t size_bits, abi::InitialSlot at = abi::InitialSlot::null);
    // Places a capability to an existing object (no memory taken) in the
    // next free slot, or in `at`.
    bool place(const caps::Capability& cap, abi::InitialSlot at = abi::InitialSlot::null);
    const char* make_vspace_and_tcb();
    // Maps a new zeroed frame at vaddr; its capability goes to `fixed_slot`
    // when given, else to the next free slot.
    bool map_new_page(std::uint64_t vaddr, bool write, bool execute, std::uint64_t& phys,
                      abi::InitialSlot fixed_slot = abi::InitialSlot::null);
    const char* load_image(const std::uint8_t* image, std::size_t size, elf::Image& out);
    const char* map_stack_ipc_bootinfo();
    void map_modules(const septum::boot::BootInfo& info);
    bool map_module_frame(std::uint64_t phys, std::uint64_t va, bool large);
    // Calls f(physical, virtual, large) for each frame of a module mapped
    // from `va` on (abi::ModuleDescription says which are large); false as
    // soon as f is.
    template <typename F>
    static bool for_module_frames(const septum::boot::Module& mod, std::uint64_t va, F f) {
        for (std::uint64_t p = mod.start; p < mod.end;) {
            const bool large = (p & (large_page - 1)) == 0 && mod.end - p >= large_page;
            if (!f(p, va, large)) {
                return false;
            }
            const std::uint64_t step = large ? large_page : page;
            p += step;
            va += step;
        }
        return true;
    }
    void give_untyped();
    void give_irqs_and_ports();
    void start(const elf::Image& image);
    abi::BootInfo* bootinfo() { return bi_; }
    std::uint64_t next_slot() const { return next_; }

private:
    // The paging structures above vaddr's entry: `levels` of them (PDPT,
    // page directory, page table), 2 for a 2 MiB page, 3 for a 4 KiB one.
    bool ensure_tables(std::uint64_t vaddr, unsigned levels = 3);
    caps::Slot& slot(std::uint64_t i) { return slots_[i]; }

    Kernel& k_;
    septum::boot::FreeMemory& mem_;
    caps::Slot* slots_ = nullptr;
    std::uint64_t next_ = static_cast<std::uint64_t>(abi::InitialSlot::io_ports) + 1;
    std::uint64_t pml4_ = 0;
    Tcb* tcb_ = nullptr;
    abi::BootInfo* bi_ = nullptr;
};

const char* Builder::make_cnode() {
    const std::uint8_t bits = root_cnode_radix + caps::slot_bits;
    const std::uint64_t phys = mem_.allocate(bits);
    if (phys == 0) {
        return "no memory for the root CNode";
    }
    caps::Capability c = caps::capability_for_new_object(ObjectKind::cnode, phys, bits);
    // The guard takes the address bits above the radix, so depth-64
    // addresses resolve in one level: a slot's address is its index.
    c.guard = 0;
    c.guard_bits = 64 - root_cnode_radix;
    slots_ = k_.cnode_slots(phys);
    // The CNode's capability goes into the CNode itself, which must look
    // empty before it exists: clear the memory first (it holds whatever
    // the firmware and boot loader left there).
    std::memset(slots_, 0, std::size_t{1} << bits);
    const auto self = static_cast<std::uint64_t>(abi::InitialSlot::cnode);
    return k_.authority.create_initial(slot(self), c) == Status::ok ? nullptr : "cannot place the root CNode";
}

bool Builder::place(const caps::Capability& cap, abi::InitialSlot at) {
    std::uint64_t index = static_cast<std::uint64_t>(at);
    if (at == abi::InitialSlot::null) {
        if (next_ >= (std::uint64_t{1} << root_cnode_radix)) {
            return false;
        }
        index = next_++;
    }
    return k_.authority.create_initial(slot(index), cap) == Status::ok;
}

std::uint64_t Builder::make(ObjectKind kind, std::uint8_t size_bits, abi::InitialSlot at) {
    const std::uint64_t phys = mem_.allocate(size_bits);
    if (phys == 0 || !place(caps::capability_for_new_object(kind, phys, size_bits), at)) {
        return 0;
    }
    return phys;
}

const char* Builder::make_vspace_and_tcb() {
    pml4_ = make(ObjectKind::pml4, caps::fixed_size_bits(ObjectKind::pml4), abi::InitialSlot::vspace);
    const std::uint64_t tcb = make(ObjectKind::tcb, caps::fixed_size_bits(ObjectKind::tcb), abi::InitialSlot::tcb);
    if (pml4_ == 0 || tcb == 0) {
        return "no memory for the root task's PML4 or TCB";
    }
    tcb_ = physical_pointer<Tcb>(tcb);
    return nullptr;
}

bool Builder::ensure_tables(std::uint64_t vaddr, unsigned levels) {
    using arch::vspace::Level;
    const std::pair<ObjectKind, Level> tables[] = {{ObjectKind::pdpt, Level::pdpt},
                                                   {ObjectKind::page_directory, Level::page_directory},
                                                   {ObjectKind::page_table, Level::page_table}};
    for (unsigned i = 0; i < levels && i < 3; ++i) {
        const auto& [kind, level] = tables[i];
        const std::uint64_t phys = mem_.allocate(12);
        if (phys == 0) {
            return false;
        }
        const Status s = arch::vspace::map_table(pml4_, vaddr, level, phys);
        if (s == Status::slot_occupied) {
            mem_.add(phys, phys + page);  // already there: give the page back
            continue;
        }
        if (s != Status::ok || !place(caps::capability_for_new_object(kind, phys, 12))) {
            return false;
        }
        // create_initial zeroed the table after map_table installed it;
        // zero is exactly the empty table, so the order is harmless.
        k_.record_mapping(slot(next_ - 1).cap, pml4_, vaddr);
    }
    return true;
}

bool Builder::map_new_page(std::uint64_t vaddr, bool write, bool execute, std::uint64_t& phys,
                           abi::InitialSlot fixed_slot) {
    if (!ensure_tables(vaddr)) {
        return false;
    }
    phys = make(ObjectKind::frame_4k, 12, fixed_slot);
    if (phys == 0) {
        return false;
    }
    if (arch::vspace::map_frame(pml4_, vaddr, phys, false, {write, execute}) != Status::ok) {
        return false;
    }
    const std::uint64_t index =
        fixed_slot == abi::InitialSlot::null ? next_ - 1 : static_cast<std::uint64_t>(fixed_slot);
    k_.record_mapping(slot(index).cap, pml4_, vaddr);
    return true;
}

const char* Builder::load_image(const std::uint8_t* image, std::size_t size, elf::Image& out) {
    const std::uint64_t limit = abi::root_task_stack_top - abi::root_task_stack_pages * page;
    if (const elf::Error e = elf::parse(image, size, arch::user_min, limit, out); e != elf::Error::none) {
        return elf::to_string(e);
    }
    for (std::size_t i = 0; i < out.segment_count; ++i) {
        const elf::Segment& s = out.segments[i];
        for (std::uint64_t va = s.vaddr & ~(page - 1); va < s.vaddr + s.mem_size; va += page) {
            std::uint64_t phys = 0;
            if (!map_new_page(va, s.writable, s.executable, phys)) {
                return "no memory for the root task's image (or pages shared between segments)";
            }
            // Copy the part of [va, va + page) that the file provides.
            const std::uint64_t lo = va > s.vaddr ? va : s.vaddr;
            const std::uint64_t hi_file = s.vaddr + s.file_size;
            const std::uint64_t hi = va + page < hi_file ? va + page : hi_file;
            if (lo < hi) {
                std::memcpy(physical_pointer<std::uint8_t>(phys) + (lo - va), image + s.file_offset + (lo - s.vaddr),
                            hi - lo);
            }
        }
    }
    return nullptr;
}

const char* Builder::map_stack_ipc_bootinfo() {
    std::uint64_t phys = 0;
    for (std::uint64_t i = 1; i <= abi::root_task_stack_pages; ++i) {
        if (!map_new_page(abi::root_task_stack_top - i * page, true, false, phys)) {
            return "no memory for the root task's stack";
        }
    }
    // The IPC buffer and BootInfo frames sit in their fixed slots.
    std::uint64_t bi = 0;
    if (!map_new_page(abi::root_task_ipc_buffer, true, false, phys, abi::InitialSlot::ipc_buffer) ||
        !map_new_page(abi::root_task_bootinfo, false, false, bi, abi::InitialSlot::bootinfo)) {
        return "no memory for the root task's IPC buffer or BootInfo";
    }
    bi_ = physical_pointer<abi::BootInfo>(bi);
    return nullptr;
}

void Builder::map_modules(const septum::boot::BootInfo& info) {
    bi_->module_frames.first = next_;
    std::uint64_t va = abi::root_task_modules;
    for (std::size_t m = 1; m < info.module_count && bi_->module_count < abi::max_modules; ++m) {
        const septum::boot::Module& mod = info.modules[m];
        if ((mod.start & (page - 1)) != 0 || mod.end < mod.start) {
            continue;  // GRUB page-aligns modules; one that is not is skipped
        }
        // Congruent to the physical address modulo 2 MiB (ModuleDescription).
        va = ((va + large_page - 1) & ~(large_page - 1)) + (mod.start & (large_page - 1));
        abi::ModuleDescription& d = bi_->modules[bi_->module_count++];
        d.address = va;
        d.size = mod.end - mod.start;
        std::strncpy(d.name, mod.cmdline, sizeof(d.name) - 1);
        // The paging structures first, so that the frames' capabilities
        // follow each other in the slots.
        if (!for_module_frames(mod, va, [this](std::uint64_t, std::uint64_t v, bool large) {
                return ensure_tables(v, large ? 2 : 3);
            })) {
            return;
        }
        d.frames.first = next_;
        if (!for_module_frames(mod, va, [this](std::uint64_t p, std::uint64_t v, bool large) {
                return map_module_frame(p, v, large);
            })) {
            return;
        }
        d.frames.count = next_ - d.frames.first;
        va += (mod.end - mod.start + page - 1) & ~(page - 1);
    }
    bi_->module_frames.count = next_ - bi_->module_frames.first;
}

bool Builder::map_module_frame(std::uint64_t phys, std::uint64_t va, bool large) {
    // These frames hold the module's bytes: they must not be cleared as
    // new objects are.
    k_.preserve_contents = true;
    const bool placed = large ? place(caps::capability_for_new_object(ObjectKind::frame_2m, phys, 21))
                              : place(caps::capability_for_new_object(ObjectKind::frame_4k, phys, 12));
    k_.preserve_contents = false;
    if (!placed) {
        return false;
    }
    if (arch::vspace::map_frame(pml4_, va, phys, large, {false, false}) == Status::ok) {
        k_.record_mapping(slot(next_ - 1).cap, pml4_, va);
    }
    return true;
}

void Builder::give_irqs_and_ports() {
    caps::Capability ports = caps::capability_for_new_object(ObjectKind::io_port_range, 0, 0);
    ports.last_port = 0xffff;
    (void)place(ports, abi::InitialSlot::io_ports);
    bi_->irqs.first = next_;
    for (std::uint64_t line = 0; line < abi::irq_lines; ++line) {
        if (!place(caps::capability_for_new_object(ObjectKind::irq_handler, line, 0))) {
            break;
        }
    }
    bi_->irqs.count = next_ - bi_->irqs.first;
}

void Builder::give_untyped() {
    bi_->untyped.first = next_;
    unsigned n = 0;
    mem_.for_each_block(12, caps::max_untyped_bits, [&](std::uint64_t start, std::uint8_t bits) {
        if (n == abi::max_untyped_descriptions ||
            !place(caps::capability_for_new_object(ObjectKind::untyped, start, bits))) {
            return;
        }
        bi_->untyped_list[n++] = abi::UntypedDescription{start, bits, {}};
    });
    bi_->untyped.count = n;
}

void Builder::start(const elf::Image& image) {
    Tcb& t = *tcb_;
    const auto root = [&](abi::InitialSlot s) -> caps::Slot& { return slot(static_cast<std::uint64_t>(s)); };
    (void)k_.authority.copy(root(abi::InitialSlot::cnode), t.slots[Tcb::cspace_slot]);
    (void)k_.authority.copy(root(abi::InitialSlot::vspace), t.slots[Tcb::vspace_slot]);
    (void)k_.authority.copy(root(abi::InitialSlot::ipc_buffer), t.slots[Tcb::ipc_buffer_slot]);
    t.ipc_buffer_address = abi::root_task_ipc_buffer;
    t.priority = root_priority;
    t.context.rip = image.entry;
    t.context.rsp = abi::root_task_stack_top;
    t.context.rdi = abi::root_task_bootinfo;
    k_.scheduler.make_ready(t);
}

}  // namespace

bool init_address_spaces(Kernel& k, septum::boot::FreeMemory& memory) {
    std::uint64_t top = 0;
    for (std::size_t i = 0; i < memory.count(); ++i) {
        top = memory.range(i).end > top ? memory.range(i).end : top;
    }
    const std::uint64_t frames = top >> 12;
    const std::uint64_t bytes = AddressSpaces::bytes_needed(frames);
    std::uint8_t bits = 12;
    while ((std::uint64_t{1} << bits) < bytes) {
        ++bits;
    }
    const std::uint64_t phys = memory.allocate(bits);
    if (phys == 0) {
        return false;
    }
    std::memset(physical_pointer<void>(phys), 0, std::size_t{1} << bits);
    k.address_spaces.init(physical_pointer<std::uint32_t>(phys), frames);
    return true;
}

const char* build_root_task(Kernel& k, const septum::boot::BootInfo& info, septum::boot::FreeMemory& memory,
                            const WallClock& time) {
    if (info.module_count == 0) {
        return "no boot module: nothing to run as the root task";
    }
    const septum::boot::Module& mod = info.modules[0];
    Builder b(k, memory);
    if (const char* e = b.make_cnode()) {
        return e;
    }
    if (const char* e = b.make_vspace_and_tcb()) {
        return e;
    }
    const std::uint64_t image_first = b.next_slot();
    if (const char* e = b.map_stack_ipc_bootinfo()) {
        return e;
    }
    elf::Image image;
    const auto* bytes = physical_pointer<const std::uint8_t>(mod.start);
    if (const char* e = b.load_image(bytes, mod.end - mod.start, image)) {
        return e;
    }
    abi::BootInfo& bi = *b.bootinfo();
    bi.magic = abi::bootinfo_magic;
    bi.cnode_radix = root_cnode_radix;
    bi.ipc_buffer = abi::root_task_ipc_buffer;
    bi.tsc_khz = k.scheduler.tsc_khz();
    bi.unix_seconds_at_boot = time.unix_seconds;
    bi.unix_seconds_tsc = time.tsc;
    std::strncpy(bi.cmdline, mod.cmdline, sizeof(bi.cmdline) - 1);
    bi.image = abi::SlotRange{image_first, b.next_slot() - image_first};
    b.map_modules(info);
    b.give_irqs_and_ports();
    b.give_untyped();
    bi.empty = abi::SlotRange{b.next_slot(), (std::uint64_t{1} << root_cnode_radix) - b.next_slot()};
    b.start(image);
    return nullptr;
}

}  // namespace septum::kernel::boot
