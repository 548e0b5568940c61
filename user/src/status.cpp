#include "septum/user/status.hpp"

namespace septum::user {

const char* status_name(Status s) {
    switch (s) {
        case Status::ok:
            return "ok";
        case Status::preempted:
            return "preempted";
        case Status::invalid_argument:
            return "invalid_argument";
        case Status::out_of_range:
            return "out_of_range";
        case Status::guard_mismatch:
            return "guard_mismatch";
        case Status::depth_mismatch:
            return "depth_mismatch";
        case Status::empty_slot:
            return "empty_slot";
        case Status::slot_occupied:
            return "slot_occupied";
        case Status::wrong_kind:
            return "wrong_kind";
        case Status::insufficient_rights:
            return "insufficient_rights";
        case Status::badge_already_set:
            return "badge_already_set";
        case Status::not_derivable:
            return "not_derivable";
        case Status::has_children:
            return "has_children";
        case Status::not_enough_memory:
            return "not_enough_memory";
    }
    return "(unknown status)";
}

}  // namespace septum::user
