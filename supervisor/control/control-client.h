/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CLI side of the control socket (control.h): cgwarden status,
 * capture NAME, start, stop, restart, reload. */

/* argv[0] is the command ("status", "start", ...). Returns the exit
 * status: 0 success, 1 runtime failure (no supervisor, an error reply, an
 * incomplete capture), 2 usage. */
int control_client_main(int argc, char **argv);
