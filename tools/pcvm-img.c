/*
 * pcvm-img: disk image tool with qemu-img's commands, options and output
 * (create, info, check, convert, resize, snapshot, commit, rebase -u),
 * over pcvm's own block layer (raw and qcow2).
 *
 * Images are opened as block nodes, synchronously: the node I/O calls
 * poll and reap when not in a coroutine, so this is plain sequential
 * code. Exit status 1 for an error, as qemu-img; check's are 0 (clean),
 * 2 (corruption) and 3 (leaks only).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "block/block-int.h"
#include "config-host.h"
#include "util/cutils.h"

#define CHUNK (1u << 20)

static bool quiet;

static void G_GNUC_PRINTF(1, 2) die(const char *fmt, ...)
{
    va_list ap;

    fputs("pcvm-img: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* qemu-img's sizes: "4 MiB", "332 KiB", "1.5 GiB". */
static char *size_to_str(uint64_t val)
{
    static const char *const suffixes[] = {"",   "Ki", "Mi", "Gi",
                                           "Ti", "Pi", "Ei"};
    int e = 0, i;

    /* The unit that keeps the number below 1000 of it. */
    frexp(val / (1000.0 / 1024.0), &e);
    i = (e - 1) / 10;
    if (i < 0) {
        i = 0;
    }
    return g_strdup_printf(
        "%0.3g %sB", (double)val / (double)(1ull << (i * 10)), suffixes[i]);
}

static void progress(bool on, uint64_t done, uint64_t total)
{
    if (on && !quiet) {
        printf("    (%.2f/100%%)\r", total ? 100.0 * done / total : 100.0);
        fflush(stdout);
    }
}

static void progress_end(bool on)
{
    if (on && !quiet) {
        printf("    (100.00/100%%)\n");
    }
}

typedef struct OpenFlags {
    bool read_only;
    bool no_backing;
    bool force_share; /* -U: no locks */
} OpenFlags;

/* A format node over filename: fmt, or probed (without raw's warning). */
static BlockDriverState *image_open(const char *filename, const char *fmt,
                                    const OpenFlags *f)
{
    BlockOptions o;
    BlockDriverState *file, *bs;
    const BlockDriver *drv;
    GError *err = NULL;

    blk_options_init(&o);
    o.read_only = f->read_only;
    o.no_backing = f->no_backing;
    if (f->force_share) {
        o.locking = BLOCK_LOCKING_OFF;
    }
    file = bdrv_open_node(&bdrv_file, NULL, filename, NULL, &o, &err);
    if (!file) {
        die("Could not open '%s': %s", filename, err->message);
    }
    if (!fmt && !(fmt = bdrv_probe_format(file, &err))) {
        die("Could not open '%s': %s", filename, err->message);
    }
    drv = bdrv_find_driver(fmt);
    if (!drv || drv == &bdrv_file) {
        die("Unknown file format '%s'", fmt);
    }
    o.format = fmt;
    bs = bdrv_open_node(drv, file, filename, NULL, &o, &err);
    if (!bs) {
        die("Could not open '%s': %s", filename, err->message);
    }
    return bs;
}

/* ---- create ------------------------------------------------------------- */

typedef struct CreateOpts {
    Qcow2CreateOptions q;
    bool have_size;
    uint64_t size;
} CreateOpts;

/* -o key=value,...: qemu-img's qcow2 creation options. */
static void parse_create_opts(const char *opts, CreateOpts *c)
{
    g_auto(GStrv) items = g_strsplit(opts, ",", -1);

    for (char **it = items; *it; it++) {
        char *eq = strchr(*it, '=');
        const char *v = eq ? eq + 1 : "";
        uint64_t n;

        if (!**it) {
            continue;
        }
        if (eq) {
            *eq = 0;
        }
        if (!strcmp(*it, "cluster_size")) {
            if (!parse_size(v, 1, &n, NULL)) {
                die("Invalid cluster_size: '%s'", v);
            }
            c->q.cluster_size = n;
        } else if (!strcmp(*it, "compat")) {
            if (!strcmp(v, "0.10") || !strcmp(v, "v2")) {
                c->q.version = 2;
            } else if (!strcmp(v, "1.1") || !strcmp(v, "v3")) {
                c->q.version = 3;
            } else {
                die("Invalid parameter '%s'", v);
            }
        } else if (!strcmp(*it, "refcount_bits")) {
            c->q.refcount_bits = strtoul(v, NULL, 10);
        } else if (!strcmp(*it, "lazy_refcounts")) {
            c->q.lazy_refcounts = !strcmp(v, "on");
        } else if (!strcmp(*it, "backing_file")) {
            c->q.backing_file = g_strdup(v);
        } else if (!strcmp(*it, "backing_fmt")) {
            c->q.backing_format = g_strdup(v);
        } else if (!strcmp(*it, "size")) {
            if (!parse_size(v, 1, &c->size, NULL)) {
                die("Invalid size '%s'", v);
            }
            c->have_size = true;
        } else {
            die("Invalid parameter '%s'", *it);
        }
    }
}

static void create_image(const char *filename, const char *fmt, CreateOpts *c)
{
    GError *err = NULL;

    if (!strcmp(fmt, "raw")) {
        int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || ftruncate(fd, c->size) < 0) {
            die("%s: Could not create image: %s", filename, g_strerror(errno));
        }
        close(fd);
        if (!quiet) {
            printf("Formatting '%s', fmt=raw size=%" PRIu64 "\n", filename,
                   c->size);
        }
        return;
    }
    if (strcmp(fmt, "qcow2")) {
        die("Unknown file format '%s'", fmt);
    }
    if (c->q.lazy_refcounts && c->q.version == 2) {
        die("%s: Lazy refcounts only supported with compatibility level 1.1 "
            "and above (use version=v3 or greater)",
            filename);
    }
    if (!qcow2_create(filename, c->size, &c->q, &err)) {
        die("%s: %s", filename, err->message);
    }
    if (!quiet) {
        printf("Formatting '%s', fmt=qcow2 cluster_size=%" PRIu64
               " extended_l2=off compression_type=zlib size=%" PRIu64,
               filename, c->q.cluster_size ? c->q.cluster_size : 65536,
               c->size);
        if (c->q.backing_file) {
            printf(" backing_file=%s", c->q.backing_file);
        }
        if (c->q.backing_format) {
            printf(" backing_fmt=%s", c->q.backing_format);
        }
        printf(" lazy_refcounts=%s refcount_bits=%u\n",
               c->q.lazy_refcounts ? "on" : "off",
               c->q.refcount_bits ? c->q.refcount_bits : 16);
    }
}

/* The backing file as the new image will name it, opened for its size. */
static uint64_t backing_size(const char *image, const char *backing,
                             const char **fmt)
{
    g_autofree char *path = NULL;
    OpenFlags f = {.read_only = true, .force_share = true};
    BlockDriverState *bs;
    uint64_t size;

    if (g_path_is_absolute(backing)) {
        path = g_strdup(backing);
    } else {
        g_autofree char *dir = g_path_get_dirname(image);

        path = g_build_filename(dir, backing, NULL);
    }
    bs = image_open(path, *fmt, &f);
    if (!*fmt) {
        *fmt = bs->drv->name;
    }
    size = bdrv_getlength(bs);
    bdrv_unref(bs);
    return size;
}

static int cmd_create(int argc, char **argv)
{
    const char *fmt = "raw", *backing = NULL, *backing_fmt = NULL;
    bool unsafe = false;
    CreateOpts c = {{0}};
    int ch;

    while ((ch = getopt(argc, argv, "qf:b:F:o:u")) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'b':
            backing = optarg;
            break;
        case 'F':
            backing_fmt = optarg;
            break;
        case 'o':
            parse_create_opts(optarg, &c);
            break;
        case 'u':
            unsafe = true;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc) {
        die("Expecting image file name");
    }
    if (backing) {
        c.q.backing_file = backing;
    }
    if (backing_fmt) {
        c.q.backing_format = backing_fmt;
    }
    if (optind + 1 < argc) {
        if (!parse_size(argv[optind + 1], 1, &c.size, NULL)) {
            die("Invalid image size specified. You may use k, M, G, T, P or "
                "E suffixes for");
        }
        c.have_size = true;
    }
    if (c.q.backing_file && strcmp(fmt, "qcow2")) {
        die("Backing file not supported for file format '%s'", fmt);
    }
    if (c.q.backing_file && (!c.have_size || !c.q.backing_format) && !unsafe) {
        const char *bf = c.q.backing_format;
        uint64_t size = backing_size(argv[optind], c.q.backing_file, &bf);

        c.q.backing_format = bf;
        if (!c.have_size) {
            c.size = size;
            c.have_size = true;
        }
    }
    if (!c.have_size) {
        die("%s: Size must be specified", argv[optind]);
    }
    create_image(argv[optind], fmt, &c);
    return 0;
}

/* ---- info --------------------------------------------------------------- */

static uint64_t disk_size(const char *filename)
{
    struct stat st;

    return stat(filename, &st) < 0 ? 0 : (uint64_t)st.st_blocks * 512;
}

static void print_snapshot_list(GArray *snaps)
{
    printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE",
           "VM CLOCK", "ICOUNT");
    for (unsigned i = 0; i < snaps->len; i++) {
        BlockSnapshotInfo *sn = &g_array_index(snaps, BlockSnapshotInfo, i);
        g_autofree char *vm = size_to_str(sn->vm_state_size);
        g_autofree char *icount = sn->icount < 0
                                      ? g_strdup("--")
                                      : g_strdup_printf("%" PRId64, sn->icount);
        uint64_t ms = sn->vm_clock_nsec / 1000000;
        time_t t = sn->date_sec;
        struct tm tm;
        char date[32], clock[32];

        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(clock, sizeof(clock), "%02u:%02u:%02u.%03u",
                 (unsigned)(ms / 3600000), (unsigned)(ms / 60000 % 60),
                 (unsigned)(ms / 1000 % 60), (unsigned)(ms % 1000));
        printf("%-9s %-16s %8s%20s%13s%11s\n", sn->id, sn->name, vm, date,
               clock, icount);
    }
}

/* A relative backing name is relative to the image's directory. */
static char *full_backing(const char *image, const char *backing)
{
    const char *slash = strrchr(image, '/');

    if (g_path_is_absolute(backing) || !slash) {
        return g_strdup(backing);
    }
    return g_strdup_printf("%.*s%s", (int)(slash - image + 1), image, backing);
}

static void info_human(const char *filename, BlockDriverState *bs,
                       const BlockImageInfo *info)
{
    g_autofree char *vsize = size_to_str(info->virtual_size);
    g_autofree char *dsize = size_to_str(disk_size(filename));

    printf("image: %s\nfile format: %s\n", filename, bs->drv->name);
    printf("virtual size: %s (%" PRIu64 " bytes)\n", vsize, info->virtual_size);
    printf("disk size: %s\n", dsize);
    if (info->cluster_size) {
        printf("cluster_size: %" PRIu64 "\n", info->cluster_size);
    }
    if (info->backing_file) {
        g_autofree char *full = full_backing(filename, info->backing_file);

        if (strcmp(full, info->backing_file)) {
            printf("backing file: %s (actual path: %s)\n", info->backing_file,
                   full);
        } else {
            printf("backing file: %s\n", info->backing_file);
        }
        if (info->backing_format) {
            printf("backing file format: %s\n", info->backing_format);
        }
    }
    if (info->snapshots->len) {
        printf("Snapshot list:\n");
        print_snapshot_list(info->snapshots);
    }
    if (info->qcow2_version) {
        printf("Format specific information:\n");
        printf("    compat: %s\n", info->qcow2_version >= 3 ? "1.1" : "0.10");
        printf("    compression type: zlib\n");
        if (info->qcow2_version >= 3) {
            printf("    lazy refcounts: %s\n",
                   info->lazy_refcounts ? "true" : "false");
        }
        printf("    refcount bits: %u\n", info->refcount_bits);
        if (info->qcow2_version >= 3) {
            printf("    corrupt: %s\n", info->corrupt ? "true" : "false");
            printf("    extended l2: false\n");
        }
    }
}

static void json_int(JsonBuilder *b, const char *key, int64_t v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_int_value(b, v);
}

static void json_str(JsonBuilder *b, const char *key, const char *v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, v);
}

static void json_bool(JsonBuilder *b, const char *key, bool v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_boolean_value(b, v);
}

static void print_json(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    g_autofree char *text = NULL;

    json_generator_set_pretty(gen, true);
    json_generator_set_indent(gen, 4);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    json_node_unref(root);
}

static void info_json(const char *filename, BlockDriverState *bs,
                      const BlockImageInfo *info)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    if (info->backing_format) {
        json_str(b, "backing-filename-format", info->backing_format);
    }
    if (info->snapshots->len) {
        json_builder_set_member_name(b, "snapshots");
        json_builder_begin_array(b);
        for (unsigned i = 0; i < info->snapshots->len; i++) {
            BlockSnapshotInfo *sn =
                &g_array_index(info->snapshots, BlockSnapshotInfo, i);

            json_builder_begin_object(b);
            json_int(b, "icount", sn->icount < 0 ? 0 : sn->icount);
            json_int(b, "vm-clock-nsec", sn->vm_clock_nsec % 1000000000);
            json_str(b, "name", sn->name);
            json_int(b, "date-sec", sn->date_sec);
            json_int(b, "date-nsec", sn->date_nsec);
            json_int(b, "vm-clock-sec", sn->vm_clock_nsec / 1000000000);
            json_str(b, "id", sn->id);
            json_int(b, "vm-state-size", sn->vm_state_size);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    }
    json_int(b, "virtual-size", info->virtual_size);
    json_str(b, "filename", filename);
    if (info->cluster_size) {
        json_int(b, "cluster-size", info->cluster_size);
    }
    json_str(b, "format", bs->drv->name);
    json_int(b, "actual-size", disk_size(filename));
    if (info->qcow2_version) {
        json_builder_set_member_name(b, "format-specific");
        json_builder_begin_object(b);
        json_str(b, "type", "qcow2");
        json_builder_set_member_name(b, "data");
        json_builder_begin_object(b);
        json_str(b, "compat", info->qcow2_version >= 3 ? "1.1" : "0.10");
        json_str(b, "compression-type", "zlib");
        if (info->qcow2_version >= 3) {
            json_bool(b, "lazy-refcounts", info->lazy_refcounts);
        }
        json_int(b, "refcount-bits", info->refcount_bits);
        if (info->qcow2_version >= 3) {
            json_bool(b, "corrupt", info->corrupt);
            json_bool(b, "extended-l2", false);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    if (info->backing_file) {
        g_autofree char *full = full_backing(filename, info->backing_file);

        json_str(b, "full-backing-filename", full);
        json_str(b, "backing-filename", info->backing_file);
    }
    json_bool(b, "dirty-flag", false);
    json_builder_end_object(b);
    print_json(b);
}

enum { OPT_OUTPUT = 256, OPT_SHRINK };

static const struct option long_opts[] = {
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"shrink", no_argument, NULL, OPT_SHRINK},
    {"force-share", no_argument, NULL, 'U'},
    {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

static bool output_json(const char *output)
{
    if (!strcmp(output, "json")) {
        return true;
    }
    if (strcmp(output, "human")) {
        die("--output must be used with human or json as argument.");
    }
    return false;
}

static int cmd_info(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    OpenFlags f = {.read_only = true, .no_backing = true};
    BlockImageInfo info;
    BlockDriverState *bs;
    int ch;

    while ((ch = getopt_long(argc, argv, "f:U", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            fmt = optarg;
            break;
        case 'U':
            f.force_share = true;
            break;
        case OPT_OUTPUT:
            output = optarg;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc) {
        die("Expecting one image file name");
    }
    bs = image_open(argv[optind], fmt, &f);
    bdrv_get_image_info(bs, &info);
    if (output_json(output)) {
        info_json(argv[optind], bs, &info);
    } else {
        info_human(argv[optind], bs, &info);
    }
    block_image_info_clear(&info);
    bdrv_unref(bs);
    return 0;
}

/* ---- check -------------------------------------------------------------- */

static int check_report(const char *filename, BlockDriverState *bs,
                        BlockCheckResult *r, bool json)
{
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_int(b, "image-end-offset", r->image_end_offset);
        json_int(b, "total-clusters", r->total_clusters);
        json_int(b, "check-errors", 0);
        if (r->leaks) {
            json_int(b, "leaks", r->leaks);
        }
        if (r->corruptions) {
            json_int(b, "corruptions", r->corruptions);
        }
        if (r->leaks_fixed) {
            json_int(b, "leaks-fixed", r->leaks_fixed);
        }
        if (r->corruptions_fixed) {
            json_int(b, "corruptions-fixed", r->corruptions_fixed);
        }
        json_int(b, "allocated-clusters", r->allocated_clusters);
        json_str(b, "filename", filename);
        json_str(b, "format", bs->drv->name);
        json_builder_end_object(b);
        print_json(b);
    } else if (!quiet) {
        fputs(r->log->str, stdout);
        if (!r->corruptions && !r->leaks) {
            printf("No errors were found on the image.\n");
        }
        if (r->corruptions) {
            printf("\n%" PRIu64 " errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image "
                   "may corrupt it.\n",
                   r->corruptions);
        }
        if (r->leaks) {
            printf("\n%" PRIu64 " leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n",
                   r->leaks);
        }
        if (r->total_clusters) {
            printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% "
                   "fragmented, %0.2f%% compressed clusters\n",
                   r->allocated_clusters, r->total_clusters,
                   r->allocated_clusters * 100.0 / r->total_clusters,
                   r->allocated_clusters
                       ? r->fragmented_clusters * 100.0 / r->allocated_clusters
                       : 0.0,
                   r->allocated_clusters
                       ? r->compressed_clusters * 100.0 / r->allocated_clusters
                       : 0.0);
        }
        if (r->image_end_offset) {
            printf("Image end offset: %" PRIu64 "\n", r->image_end_offset);
        }
    }
    return r->corruptions ? 2 : r->leaks ? 3 : 0;
}

static int cmd_check(int argc, char **argv)
{
    const char *fmt = NULL, *output = "human";
    OpenFlags f = {.read_only = true, .no_backing = true};
    BlockCheckResult r = {0};
    BlockDriverState *bs;
    int fix = 0, ch, ret;

    while ((ch = getopt_long(argc, argv, "qf:r:U", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                die("Unknown option value for -r (expecting 'leaks' or "
                    "'all'): %s",
                    optarg);
            }
            f.read_only = false;
            break;
        case 'U':
            f.force_share = true;
            break;
        case OPT_OUTPUT:
            output = optarg;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc) {
        die("Expecting one image file name");
    }
    bs = image_open(argv[optind], fmt, &f);
    r.log = g_string_new(NULL);
    ret = bdrv_check(bs, &r, fix);
    if (ret == -ENOTSUP) {
        die("This image format does not support checks");
    }
    if (ret < 0) {
        die("Check failed: %s", g_strerror(-ret));
    }
    if (fix && (r.leaks_fixed || r.corruptions_fixed)) {
        if (!quiet && !output_json(output)) {
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %" PRIu64 " leaked clusters\n    %" PRIu64
                   " corruptions\n\nDouble checking the fixed image now...\n",
                   r.leaks_fixed, r.corruptions_fixed);
        }
        g_string_free(r.log, true);
        r = (BlockCheckResult){.log = g_string_new(NULL)};
        ret = bdrv_check(bs, &r, 0);
        if (ret < 0) {
            die("Check failed: %s", g_strerror(-ret));
        }
    }
    ret = check_report(argv[optind], bs, &r, output_json(output));
    g_string_free(r.log, true);
    bdrv_unref(bs);
    return ret;
}

/* ---- convert, commit ---------------------------------------------------- */

static bool all_zero(const uint8_t *buf, size_t len)
{
    return !buf[0] && !memcmp(buf, buf + 1, len - 1);
}

static int cmd_convert(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw";
    OpenFlags f = {.read_only = true};
    OpenFlags fo = {0};
    bool compress = false, show = false;
    CreateOpts c = {{0}};
    BlockDriverState *src, *dst;
    uint64_t size, step = CHUNK, cs = 0;
    g_autofree uint8_t *buf = NULL;
    int ch;

    while ((ch = getopt_long(argc, argv, "cpqf:O:o:U", long_opts, NULL)) !=
           -1) {
        switch (ch) {
        case 'c':
            compress = true;
            break;
        case 'p':
            show = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'O':
            out_fmt = optarg;
            break;
        case 'o':
            parse_create_opts(optarg, &c);
            break;
        case 'U':
            f.force_share = true;
            break;
        default:
            return 1;
        }
    }
    if (optind + 2 != argc) {
        die("Expecting one image file name and one output file name");
    }
    src = image_open(argv[optind], fmt, &f);
    size = bdrv_getlength(src);
    c.size = size;
    {
        bool was_quiet = quiet;

        quiet = true;
        create_image(argv[optind + 1], out_fmt, &c);
        quiet = was_quiet;
    }
    dst = image_open(argv[optind + 1], out_fmt, &fo);
    if (compress) {
        cs = bdrv_compressed_cluster(dst);
        if (!cs) {
            die("Compression not supported for this file format");
        }
        step = cs;
    }
    buf = g_malloc(step);
    for (uint64_t off = 0; off < size; off += step) {
        uint64_t len = MIN(step, size - off);
        int ret = bdrv_co_pread(src, off, buf, len);

        if (ret < 0) {
            die("error while reading at byte %" PRIu64 ": %s", off,
                g_strerror(-ret));
        }
        if (!all_zero(buf, len)) {
            if (compress && len == cs) {
                ret = bdrv_pwrite_compressed(dst, off, buf);
            } else {
                ret = bdrv_co_pwrite(dst, off, buf, len);
            }
            if (ret < 0) {
                die("error while writing at byte %" PRIu64 ": %s", off,
                    g_strerror(-ret));
            }
        }
        progress(show, off + len, size);
    }
    if (bdrv_co_flush(dst) < 0) {
        die("error while flushing the output image");
    }
    progress_end(show);
    bdrv_unref(dst);
    bdrv_unref(src);
    return 0;
}

static int cmd_commit(int argc, char **argv)
{
    const char *fmt = NULL;
    OpenFlags f = {.no_backing = true}, bf = {0};
    bool show = false, keep = false;
    BlockDriverState *top, *base;
    BlockImageInfo info;
    g_autofree char *path = NULL;
    g_autofree uint8_t *buf = g_malloc(CHUNK);
    uint64_t size;
    int ch;

    while ((ch = getopt_long(argc, argv, "qpdf:", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'p':
            show = true;
            break;
        case 'd':
            keep = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc) {
        die("Expecting one image file name");
    }
    top = image_open(argv[optind], fmt, &f);
    bdrv_get_image_info(top, &info);
    if (!info.backing_file) {
        die("Image does not have a backing file");
    }
    if (g_path_is_absolute(info.backing_file)) {
        path = g_strdup(info.backing_file);
    } else {
        g_autofree char *dir = g_path_get_dirname(argv[optind]);

        path = g_build_filename(dir, info.backing_file, NULL);
    }
    base = image_open(path, info.backing_format, &bf);
    size = MIN(bdrv_getlength(top), bdrv_getlength(base));
    for (uint64_t off = 0; off < size;) {
        uint64_t n;
        int st = bdrv_block_status(top, off, MIN(CHUNK, size - off), &n);
        int ret = 0;

        if (st < 0) {
            die("error while reading the image: %s", g_strerror(-st));
        }
        if (st & BDRV_BLOCK_DATA) {
            ret = bdrv_co_pread(top, off, buf, n);
            if (ret >= 0) {
                ret = bdrv_co_pwrite(base, off, buf, n);
            }
        } else if (st & BDRV_BLOCK_ZERO) {
            memset(buf, 0, n);
            ret = bdrv_co_pwrite(base, off, buf, n);
        }
        if (ret < 0) {
            die("Block job failed: %s", g_strerror(-ret));
        }
        off += n;
        progress(show, off, size);
    }
    if (bdrv_co_flush(base) < 0) {
        die("Block job failed: flush");
    }
    if (!keep) {
        int ret = bdrv_make_empty(top);

        if (ret < 0 && ret != -ENOTSUP) {
            die("Could not empty %s: %s", argv[optind], g_strerror(-ret));
        }
    }
    progress_end(show);
    if (!quiet) {
        printf("Image committed.\n");
    }
    block_image_info_clear(&info);
    bdrv_unref(base);
    bdrv_unref(top);
    return 0;
}

/* ---- resize, snapshot, rebase ------------------------------------------- */

static int cmd_resize(int argc, char **argv)
{
    const char *fmt = NULL, *arg;
    OpenFlags f = {.no_backing = true};
    BlockDriverState *bs;
    uint64_t size, old, delta;
    bool shrink = false;
    int ch, ret;

    /* A size like -1G must not be taken for an option. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && g_ascii_isdigit(argv[i][1])) {
            argc = i + 1;
        }
    }
    while ((ch = getopt_long(argc - 1, argv, "qf:", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case OPT_SHRINK:
            shrink = true;
            break;
        default:
            return 1;
        }
    }
    if (optind + 2 != argc) {
        die("Expecting image file name and size");
    }
    arg = argv[optind + 1];
    bs = image_open(argv[optind], fmt, &f);
    old = bdrv_getlength(bs);
    if (!parse_size(arg + (*arg == '+' || *arg == '-'), 1, &delta, NULL)) {
        die("Invalid image size specified. You may use k, M, G, T, P or E "
            "suffixes for");
    }
    size = *arg == '+' ? old + delta : *arg == '-' ? old - delta : delta;
    if (*arg == '-' && delta > old) {
        die("New image size must be positive");
    }
    if (size < old && !shrink) {
        die("Use the --shrink option to perform a shrink operation.");
    }
    ret = bdrv_resize(bs, size);
    if (ret == -ENOTSUP) {
        die("qcow2 doesn't support shrinking images yet");
    }
    if (ret < 0) {
        die("Error resizing image: %s", g_strerror(-ret));
    }
    if (!quiet) {
        printf("Image resized.\n");
    }
    bdrv_unref(bs);
    return 0;
}

static int cmd_snapshot(int argc, char **argv)
{
    OpenFlags f = {.no_backing = true};
    const char *name = NULL;
    char action = 0;
    BlockDriverState *bs;
    GError *err = NULL;
    bool ok = true;
    int ch;

    while ((ch = getopt_long(argc, argv, "qlc:d:a:U", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'U':
            f.force_share = true;
            break;
        case 'l':
        case 'c':
        case 'd':
        case 'a':
            if (action) {
                die("Cannot mix '-l', '-a', '-c', '-d'");
            }
            action = ch;
            name = optarg;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc || !action) {
        die("Expecting one image file name");
    }
    f.read_only = action == 'l';
    bs = image_open(argv[optind], NULL, &f);
    switch (action) {
    case 'l': {
        BlockImageInfo info;

        bdrv_get_image_info(bs, &info);
        if (info.snapshots->len) {
            printf("Snapshot list:\n");
            print_snapshot_list(info.snapshots);
        }
        block_image_info_clear(&info);
        break;
    }
    case 'c':
        ok = bdrv_snapshot_create(bs, name, &err);
        break;
    case 'd':
        ok = bdrv_snapshot_delete(bs, name, &err);
        if (!ok) {
            g_prefix_error(&err, "Could not delete snapshot '%s': ", name);
        }
        break;
    case 'a':
        ok = bdrv_snapshot_goto(bs, name, &err);
        if (!ok) {
            g_prefix_error(&err, "Could not apply snapshot '%s': ", name);
        }
        break;
    }
    if (!ok) {
        die("%s", err->message);
    }
    bdrv_unref(bs);
    return 0;
}

static int cmd_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *backing = NULL, *backing_fmt = NULL;
    OpenFlags f = {.no_backing = true};
    BlockDriverState *bs;
    bool unsafe = false;
    int ch, ret;

    while ((ch = getopt_long(argc, argv, "qf:b:F:u", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'b':
            backing = optarg;
            break;
        case 'F':
            backing_fmt = optarg;
            break;
        case 'u':
            unsafe = true;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc || !backing) {
        die("Expecting one image file name and -b");
    }
    if (!unsafe) {
        die("Only unsafe rebase (-u) is supported: it changes the backing "
            "file name without copying data");
    }
    bs = image_open(argv[optind], fmt, &f);
    ret = bdrv_change_backing_file(bs, backing, backing_fmt);
    if (ret < 0) {
        die("Could not change the backing file to '%s': %s", backing,
            g_strerror(-ret));
    }
    bdrv_unref(bs);
    return 0;
}

/* ---- bench ----------------------------------------------------------------
 */

typedef struct Bench {
    BlockBackend *blk;
    uint8_t *buf;
    uint64_t size, step, offset, image_size;
    unsigned remaining, in_flight, flush_interval, since_flush;
    bool write;
    int errors;
} Bench;

static void bench_next(Bench *b);

static void bench_done(void *opaque, int ret)
{
    Bench *b = opaque;

    b->errors += ret < 0;
    b->in_flight--;
    if (b->remaining) {
        bench_next(b);
    }
}

static void bench_next(Bench *b)
{
    uint64_t offset = b->offset;

    /* qemu-img bench's walk: step bytes on, wrapping at the end. */
    b->offset = (b->offset + b->step) % b->image_size;
    if (b->offset + b->size > b->image_size) {
        b->offset = 0;
    }
    b->remaining--;
    b->in_flight++;
    if (b->write) {
        blk_aio_pwrite(b->blk, offset, b->buf, b->size, bench_done, b);
        if (b->flush_interval && ++b->since_flush == b->flush_interval) {
            b->since_flush = 0;
            b->in_flight++;
            blk_aio_flush(b->blk, bench_done, b);
        }
    } else {
        blk_aio_pread(b->blk, offset, b->buf, b->size, bench_done, b);
    }
}

static int cmd_bench(int argc, char **argv)
{
    const char *fmt = NULL, *cache = "writeback", *aio = "threads";
    uint64_t count = 75000, depth = 64, size = 4096, step = 0, offset = 0;
    uint64_t flush_interval = 0;
    int pattern = 0;
    bool write = false;
    BlockOptions o;
    GError *err = NULL;
    Bench b = {0};
    struct timespec t0, t1;
    int ch;
    static const struct option bench_opts[] = {
        {"pattern", required_argument, NULL, 'P'},
        {"flush-interval", required_argument, NULL, 'F'},
        {"force-share", no_argument, NULL, 'U'},
        {NULL, 0, NULL, 0},
    };

    while ((ch = getopt_long(argc, argv, "qc:d:f:ni:o:s:S:t:wU", bench_opts,
                             NULL)) != -1) {
        uint64_t *dst = ch == 'c'   ? &count
                        : ch == 'd' ? &depth
                        : ch == 'o' ? &offset
                        : ch == 's' ? &size
                        : ch == 'S' ? &step
                        : ch == 'F' ? &flush_interval
                                    : NULL;

        if (dst) {
            if (!parse_size(optarg, 1, dst, NULL) || !*dst) {
                if (ch != 'o' || !g_str_equal(optarg, "0")) {
                    die("Invalid value for -%c: '%s'", ch, optarg);
                }
            }
            continue;
        }
        switch (ch) {
        case 'q':
            quiet = true;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'n':
            aio = "native";
            break;
        case 'i':
            aio = optarg;
            break;
        case 't':
            cache = optarg;
            break;
        case 'w':
            write = true;
            break;
        case 'P':
            pattern = atoi(optarg);
            break;
        case 'U':
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc) {
        die("Expecting one image file name");
    }
    blk_options_init(&o);
    o.format = fmt;
    o.read_only = !write;
    if (!blk_options_set_cache(&o, cache)) {
        die("Invalid cache mode");
    }
    o.aio = !strcmp(aio, "native")     ? BLOCK_AIO_NATIVE
            : !strcmp(aio, "io_uring") ? BLOCK_AIO_IO_URING
            : !strcmp(aio, "threads")
                ? BLOCK_AIO_THREADS
                : (die("Invalid aio option: %s", aio), BLOCK_AIO_THREADS);
    if (!fmt) {
        /* qemu-img probes without a warning; so does this. */
        OpenFlags f = {.read_only = true, .force_share = true};
        BlockDriverState *probe = image_open(argv[optind], NULL, &f);

        o.format = probe->drv->name;
        bdrv_unref(probe);
    }
    b.blk = blk_open_opts(argv[optind], &o, &err);
    if (!b.blk) {
        die("%s", err->message);
    }
    if (posix_memalign((void **)&b.buf, 4096, size)) {
        die("out of memory");
    }
    memset(b.buf, pattern, size);
    b.size = size;
    b.step = step ? step : size;
    b.offset = offset;
    b.image_size = blk_getlength(b.blk);
    b.remaining = count;
    b.write = write;
    b.flush_interval = flush_interval;
    if (size > b.image_size) {
        die("Buffer size is larger than the image");
    }
    if (!quiet) {
        printf("Sending %" PRIu64 " %s requests, %" PRIu64
               " bytes each, %" PRIu64
               " in parallel (starting at offset %" PRIu64
               ", step size %" PRIu64 ")\n",
               count, write ? "write" : "read", size, depth, offset, b.step);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    blk_io_plug(b.blk);
    for (uint64_t i = 0; i < depth && b.remaining; i++) {
        bench_next(&b);
    }
    blk_io_unplug(b.blk);
    /* The backend's own poll, as qemu-img bench runs its AioContext. */
    while (b.in_flight) {
        blk_poll(b.blk);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (b.errors) {
        die("%d requests failed", b.errors);
    }
    printf("Run completed in %3.3f seconds.\n",
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    blk_unref(b.blk);
    free(b.buf);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"create", cmd_create,
     "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
     "[-o options] filename [size]"},
    {"info", cmd_info, "info [-f fmt] [--output=human|json] [-U] filename"},
    {"check", cmd_check,
     "check [-q] [-f fmt] [--output=human|json] [-r leaks|all] [-U] filename"},
    {"convert", cmd_convert,
     "convert [-c] [-p] [-q] [-f fmt] [-O output_fmt] [-o options] filename "
     "output_filename"},
    {"resize", cmd_resize,
     "resize [-q] [-f fmt] [--shrink] filename [+ | -]size"},
    {"snapshot", cmd_snapshot,
     "snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename"},
    {"commit", cmd_commit, "commit [-q] [-p] [-d] [-f fmt] filename"},
    {"bench", cmd_bench,
     "bench [-c count] [-d depth] [-f fmt] [--flush-interval=N] [-i aio] [-n] "
     "[-o offset] [--pattern=N] [-q] [-s size] [-S step] [-t cache] [-w] "
     "[-U] filename"},
    {"rebase", cmd_rebase,
     "rebase [-q] [-f fmt] -u -b backing_file [-F backing_fmt] filename"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: pcvm-img [standard options] command [command "
                 "options]\nCommand syntax:\n\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        fprintf(out, "  %s\n", commands[i].usage);
    }
    fprintf(out, "\nSupported formats: qcow2 raw\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        die("Not enough arguments\nTry 'pcvm-img --help' for more "
            "information");
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("pcvm-img version %s\n", PCVM_VERSION);
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    die("Command not found: %s", argv[1]);
}
