/*
 * The net layer through the monitors and the command line: `info
 * network` for NICs on -netdev backends, on hub 0 (-net nic, -net user)
 * and from -nic; HMP and QMP netdev_add, netdev_del and set_link with
 * their errors; and start-up errors of -netdev, -net and -nic.
 *
 * Against QEMU 7.2 the QMP case passes; `info network` differs only in
 * the names QEMU makes up for -net user and -nic backends (#netNNN).
 */
#include <string.h>

#include "libqtest.h"

static const char *const cmdline =
    "-netdev user,id=u0 -device virtio-net-pci,netdev=u0,id=nic0 "
    "-net nic,model=virtio,macaddr=52:54:00:00:00:01 -net user,hostname=h "
    "-nic user,model=virtio-net-pci,mac=52:54:00:00:00:02,restrict=on";

static void test_info_network(void)
{
    QTestState *s = qtest_init(cmdline);
    g_autofree char *out = qtest_hmp(s, "info network");

    g_assert_cmpstr(
        out, ==,
        "hub 0\r\n"
        " \\ hub0port1: user.0: index=0,type=user,net=10.0.2.0,"
        "restrict=off\r\n"
        " \\ hub0port0: virtio-net-pci.1: index=0,type=nic,"
        "model=virtio-net-pci,macaddr=52:54:00:00:00:01\r\n"
        "virtio-net-pci.0: index=0,type=nic,model=virtio-net-pci,"
        "macaddr=52:54:00:00:00:02\r\n"
        " \\ __org.qemu.nic0: index=0,type=user,net=10.0.2.0,restrict=on\r\n"
        "nic0: index=0,type=nic,model=virtio-net-pci,"
        "macaddr=52:54:00:12:34:56\r\n"
        " \\ u0: index=0,type=user,net=10.0.2.0,restrict=off\r\n");
    qtest_quit(s);
}

static void test_hmp_commands(void)
{
    QTestState *s = qtest_init(cmdline);
    g_autofree char *add =
        qtest_hmp(s, "netdev_add user,id=u1,net=10.9.0.0/16");
    g_autofree char *dup = qtest_hmp(s, "netdev_add user,id=u1");
    g_autofree char *bad = qtest_hmp(s, "netdev_add tap9,id=t");
    g_autofree char *info = qtest_hmp(s, "info network");
    g_autofree char *del = qtest_hmp(s, "netdev_del u1");
    g_autofree char *info2 = qtest_hmp(s, "info network");
    g_autofree char *busy = qtest_hmp(s, "netdev_del u0");
    g_autofree char *none = qtest_hmp(s, "netdev_del u1");
    g_autofree char *link = qtest_hmp(s, "set_link nic0 off");
    g_autofree char *nolink = qtest_hmp(s, "set_link zz on");

    g_assert_cmpstr(add, ==, "");
    g_assert_cmpstr(dup, ==, "Error: Duplicate ID 'u1' for netdev\r\n");
    g_assert_cmpstr(bad, ==,
                    "Error: Parameter 'type' does not accept value 'tap9'\r\n");
    g_assert_nonnull(strstr(
        info, "\r\nu1: index=0,type=user,net=10.9.0.0,restrict=off\r\n"));
    g_assert_cmpstr(del, ==, "");
    g_assert_null(strstr(info2, "u1:"));
    g_assert_cmpstr(busy, ==,
                    "Error: Device 'u0' is in use by a NIC; remove the NIC "
                    "first\r\n");
    g_assert_cmpstr(none, ==, "Error: Device 'u1' not found\r\n");
    g_assert_cmpstr(link, ==, "");
    g_assert_cmpstr(nolink, ==, "Error: Device 'zz' not found\r\n");
    qtest_quit(s);
}

static void test_qmp_commands(void)
{
    QTestState *s = qtest_init(cmdline);
    g_autoptr(JsonObject) r1 = NULL;
    g_autoptr(JsonObject) r2 = NULL;
    g_autofree char *info = NULL;

    qtest_qmp_assert_success(s,
                             "{'execute': 'netdev_add', 'arguments': "
                             "{'type': 'user', 'id': 'q1', 'restrict': true, "
                             "'hostname': 'a,b'}}");
    info = qtest_hmp(s, "info network");
    g_assert_nonnull(strstr(info, "q1: index=0,type=user,net=10.0.2.0,"
                                  "restrict=on"));
    r1 = qtest_qmp(s, "{'execute': 'netdev_add', 'arguments': "
                      "{'type': 'user', 'id': 'q1'}}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(r1, "error"), "desc"),
                    ==, "Duplicate ID 'q1'");
    qtest_qmp_assert_success(s, "{'execute': 'set_link', 'arguments': "
                                "{'name': 'u0', 'up': false}}");
    qtest_qmp_assert_success(s, "{'execute': 'netdev_del', 'arguments': "
                                "{'id': 'q1'}}");
    r2 = qtest_qmp(s, "{'execute': 'netdev_del', 'arguments': {'id': 'q1'}}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(r2, "error"), "desc"),
                    ==, "Device 'q1' not found");
    qtest_quit(s);
}

static void test_startup_errors(void)
{
    qtest_assert_startup_error("-netdev user",
                               "-netdev user: Parameter 'id' is missing");
    qtest_assert_startup_error("-netdev user,id=a -netdev user,id=a",
                               "-netdev user,id=a: Duplicate ID 'a' for "
                               "netdev");
    qtest_assert_startup_error("-net nic,model=ne2k_isa",
                               "-net nic,model=ne2k_isa: Unsupported NIC "
                               "model: ne2k_isa");
    qtest_assert_startup_error("-nic user,model=virtio,bogus=1",
                               "-nic user,model=virtio,bogus=1: Invalid "
                               "parameter 'bogus'");
    qtest_assert_startup_error(
        "-netdev socket,id=s,connect=127.0.0.1:1",
        "-netdev socket,id=s,connect=127.0.0.1:1: can't connect socket: "
        "Connection refused");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/info-network", test_info_network);
    g_test_add_func("/net/hmp", test_hmp_commands);
    g_test_add_func("/net/qmp", test_qmp_commands);
    g_test_add_func("/net/startup-errors", test_startup_errors);
    return g_test_run();
}
