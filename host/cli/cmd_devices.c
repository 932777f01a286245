/* host/cli/cmd_devices.c - `alexnet devices`: every OpenCL platform and device, clinfo-style,
 * with the limits that apply under the limit profile in force (--limits / ALEXNET_LIMITS). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "runtime/limits.h"

static double mib(cl_ulong b) { return (double)b / (1024.0 * 1024.0); }

static void print_json(const an_device_info *l, int n) {
    printf("[\n");
    for (int i = 0; i < n; i++) {
        const an_device_info *d = &l[i];
        printf("  {\"id\": \"%d:%d\", \"platform\": ", d->platform_index, d->device_index);
        cli_json_string(stdout, d->platform_name);
        printf(", \"name\": ");
        cli_json_string(stdout, d->name);
        printf(", \"vendor\": ");
        cli_json_string(stdout, d->vendor);
        printf(", \"type\": \"%s\", \"opencl\": ", an_device_type_name(d->type));
        cli_json_string(stdout, d->version);
        printf(", \"driver\": ");
        cli_json_string(stdout, d->driver);
        printf(", \"compute_units\": %u, \"clock_mhz\": %u, \"global_mem_bytes\": %llu, "
               "\"max_alloc_bytes\": %llu, \"local_mem_bytes\": %llu, \"max_work_group\": %zu, "
               "\"fp16\": %s, \"fp64\": %s, \"simulator\": %s, \"sub_devices\": %d, "
               "\"default\": %s, \"limits\": ",
               d->compute_units, d->clock_mhz, (unsigned long long)d->global_mem,
               (unsigned long long)d->max_alloc, (unsigned long long)d->local_mem,
               d->max_work_group, d->fp16 ? "true" : "false", d->fp64 ? "true" : "false",
               d->simulator ? "true" : "false", d->sub_parts, d->is_default ? "true" : "false");
        if (d->limits[0])
            cli_json_string(stdout, d->limits);
        else
            printf("null");
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf("]\n");
}

static void print_table(const an_device_info *l, int n, const an_limits *p) {
    if (p)
        printf("Limit profile %s (%s): the limits below are the smaller of the device's and the "
               "profile's\n\n", p->name, p->about);
    int last_platform = -1;
    for (int i = 0; i < n; i++) {
        const an_device_info *d = &l[i];
        if (d->platform_index != last_platform) {
            printf("%sPlatform %d: %s (%s)\n", i ? "\n" : "", d->platform_index, d->platform_name,
                   d->platform_version);
            printf("  %-5s %-40.40s %-12.12s %-5s %-10s %4s %6s %10s %10s %9s %5s %4s %4s\n",
                   "ID", "Device", "Vendor", "Type", "OpenCL", "CUs", "MHz", "Global MiB",
                   "Alloc MiB", "Local KiB", "WG", "fp16", "fp64");
            last_platform = d->platform_index;
        }
        char id[16];
        snprintf(id, sizeof id, "%d:%d", d->platform_index, d->device_index);
        char ver[16] = "?"; /* "OpenCL 3.0 PoCL ..." -> "3.0" */
        sscanf(d->version, "OpenCL %15s", ver);
        printf("  %-5s %-40.40s %-12.12s %-5s %-10s %4u %6u %10.0f %10.0f %9.0f %5zu %4s %4s%s\n",
               id, d->name, d->vendor, an_device_type_name(d->type), ver, d->compute_units,
               d->clock_mhz, mib(d->global_mem), mib(d->max_alloc), (double)d->local_mem / 1024.0,
               d->max_work_group, d->fp16 ? "yes" : "no", d->fp64 ? "yes" : "no",
               d->is_default  ? "  <- default"
               : d->simulator ? "  (simulator: only when named)"
                              : "");
        if (d->sub_parts > 1)
            printf("  %-5s   sub-devices %s.0 to %s.%d, one compute unit each\n", "", id, id,
                   d->sub_parts - 1);
    }
    printf("\nChoose with --device P:D (two: --device P:D,P:D; a sub-device: P:D.S), a name "
           "substring, or ALEXNET_DEVICE.\n");
}

int cmd_devices(int argc, char **argv) {
    int json = 0;
    const char *limits = NULL;
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", NULL},
        {"--limits", CLI_STR, &limits, "NAME",
         "show the limits under this profile: gtx580, gcn, xe, strict or none (default: "
         "$ALEXNET_LIMITS; see docs/GPU.md)", NULL},
        {0},
    };
    int npos;
    int rc = cli_parse("devices", "[--json] [--limits NAME]", opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (cli_use_limits(limits)) return 1;
    const an_limits *p;
    an_status s = an_limits_active(&p);
    if (s != AN_OK) return cli_fail("devices", s);
    an_device_info *list;
    int n;
    s = an_devices_list(&list, &n);
    if (s != AN_OK) return cli_fail("devices", s);
    for (int i = 0; i < n; i++) an_limits_cap(&list[i], p);
    if (json)
        print_json(list, n);
    else
        print_table(list, n, p);
    free(list);
    return 0;
}
