/*
 * x86 CPU models and CPUID feature flags as QEMU names them, and a parsed
 * -cpu spec (MODEL[,+flag,-flag,flag=on|off,vendor=,family=,...]).
 */
#ifndef TARGET_I386_CPU_FEATURES_H
#define TARGET_I386_CPU_FEATURES_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

/* The CPUID registers that hold feature flags. */
typedef enum {
    FEAT_1_EDX,
    FEAT_1_ECX,
    FEAT_7_0_EBX,
    FEAT_7_0_ECX,
    FEAT_7_0_EDX,
    FEAT_8000_0001_EDX,
    FEAT_8000_0001_ECX,
    FEAT_KVM, /* 0x40000001 EAX */
    FEAT_WORDS
} FeatureWord;

typedef enum {
    X86_CPU_PASSTHROUGH, /* host, max: what the accelerator supports */
    X86_CPU_BASELINE,    /* qemu64, kvm64: the supported bits, masked */
    X86_CPU_NAMED,       /* a model of its own, filtered by the supported */
} X86CPUModelKind;

typedef struct X86CPUModel {
    const char *name, *description;
    X86CPUModelKind kind;
    const char *vendor; /* NULL: the host's */
    int family, model, stepping;
    uint32_t level, xlevel;
    const char *model_id;
    uint32_t features[FEAT_WORDS];
    /* QEMU flag names added to, then taken from, features (see models) */
    const char *flags, *no_flags;
} X86CPUModel;

typedef struct X86CPUSpec {
    const X86CPUModel *cpu;
    uint32_t plus[FEAT_WORDS], minus[FEAT_WORDS];
    char vendor[13];             /* "" unless vendor= */
    int family, model, stepping; /* -1 unless given */
    int64_t level, xlevel;       /* -1 unless given */
    char *model_id;              /* NULL unless model-id= */
} X86CPUSpec;

const X86CPUModel *x86_cpu_model_find(const char *name);
/* The i-th model, or NULL past the last. */
const X86CPUModel *x86_cpu_model_at(unsigned i);
/*
 * Parses a -cpu argument. Unknown models and flags, and bad values, fail
 * with QEMU's words ("unable to find CPU model 'x'", "can't apply global
 * qemu64-x86_64-cpu.foo=on: Property 'qemu64-x86_64-cpu.foo' not found").
 */
bool x86_cpu_spec_parse(const char *text, X86CPUSpec *spec, GError **errp);
void x86_cpu_spec_clear(X86CPUSpec *spec);
/* QEMU's name of a bit, or NULL. */
const char *x86_cpu_feature_name(FeatureWord w, unsigned bit);
void x86_cpu_feature_word_leaf(FeatureWord w, uint32_t *function,
                               uint32_t *index, char *reg);
/* -cpu help's list of flags. */
void x86_cpu_print_flags(FILE *out);

#endif
