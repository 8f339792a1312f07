/* fake_net LOCATIONS DB NAMES RDAP_DIR: write the location database
 * described in LOCATIONS to DB (locdb.h), serve the names of NAMES by DNS
 * and the documents of RDAP_DIR by RDAP on 127.0.0.1 (fake_net.h), print
 * "DNS_PORT RDAP_PORT" and run until standard input closes. For the
 * command-line and server tests. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_net.h"
#include "locdb.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = calloc(1, 1 << 20);
    if (text)
        (void)!fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    return text;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fake_net LOCATIONS DB NAMES RDAP_DIR\n");
        return 2;
    }
    char *locations = slurp(argv[1]), *names = slurp(argv[3]);
    if (!locations || !names || locdb_write(locations, argv[2]))
        return 1;
    uint16_t dns_port, rdap_port;
    fake_dns *dns = fake_dns_start(names, &dns_port);
    fake_rdap *rdap = fake_rdap_start(argv[4], &rdap_port);
    if (!dns || !rdap)
        return 1;
    printf("%u %u\n", dns_port, rdap_port);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    fake_dns_stop(dns);
    fake_rdap_stop(rdap);
    free(locations);
    free(names);
    return 0;
}
