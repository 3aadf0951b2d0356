/*===- npy-fuzz.c - attnNpyRead over many files, for test/fuzz --------------===*
 *
 * Reads file paths from stdin, one per line, calls attnNpyRead on each and
 * prints "ok N" (read) or "err N <message>" (refused) after it, flushing,
 * so that fuzz-campaign.py can run thousands of inputs in one process and
 * still tell which input a crash or hang came from (the last one without a
 * line). The message must name the file; anything else is for the caller
 * to judge.
 *
 *===----------------------------------------------------------------------===*/
#include "npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char path[4096], err[1024];
  for (long n = 0; fgets(path, sizeof path, stdin); ++n) {
    path[strcspn(path, "\n")] = '\0';
    AttnNpyArray a;
    err[0] = '\0';
    if (attnNpyRead(path, &a, err, sizeof err) == 0) {
      /* Touch every byte, so a short allocation shows under ASan. */
      size_t bytes = a.numElements * attnNpyDTypeSize(a.dtype);
      unsigned sum = 0;
      for (size_t i = 0; i < bytes; ++i)
        sum += ((const unsigned char *)a.data)[i];
      printf("ok %ld %u\n", n, sum & 1u);
      free(a.data);
    } else {
      printf("err %ld %s\n", n, strstr(err, path) ? "named" : err);
    }
    fflush(stdout);
  }
  return 0;
}
