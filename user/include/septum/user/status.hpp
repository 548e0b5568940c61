// Names of Status values, for reports.
#pragma once

#include "septum/caps/status.hpp"

namespace septum::user {

const char* status_name(Status s);

}  // namespace septum::user
