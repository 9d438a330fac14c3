// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; the header is reached through update-alternatives
// and declares openblas_set_num_threads too).
#include <cblas.h>
