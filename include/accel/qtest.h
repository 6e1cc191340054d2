/*
 * The qtest protocol server: a test drives the machine's ports, memory,
 * clock and interrupt lines over a chardev, line by line, with QEMU's qtest
 * wire protocol. Usually paired with -accel qtest, which runs no vCPU and
 * leaves the virtual clock to the test.
 */
#ifndef ACCEL_QTEST_H
#define ACCEL_QTEST_H

#include <glib.h>
#include <stdbool.h>

/*
 * Serves the protocol on the legacy chardev spec (-qtest unix:PATH, or
 * chardev:ID), logging the exchange to log_path (-qtest-log) if given.
 */
bool qtest_server_init(const char *spec, const char *log_path, GError **errp);

#endif
