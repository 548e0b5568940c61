/* Numbers shared by the root task's assembly (sites.S, remote.S) and its
   C++ (checked against the ABI in sites.hpp). Plain C preprocessor only. */
#ifndef SEPTUM_ROOTTASK_ASM_CONSTANTS_H
#define SEPTUM_ROOTTASK_ASM_CONSTANTS_H

#define SYSCALL_RECV 4
#define SYSCALL_REPLY_RECV 5
#define REMOTE_LABEL_ECHO 1
#define REMOTE_LABEL_READ 2
#define MESSAGE_INFO_LABEL_SHIFT 12
/* What probe_read returns when its load was skipped by a fault handler. */
#define PROBE_SENTINEL 0x5e5e5e5e5e5e5e5e

#endif
