/* host/util/lrn_convention.h - how LRN's α is applied, one enum for the net description
 * (net/netdesc.h), the launcher (ops/lrn.h) and the CPU reference (ref/ref_lrn.h): the paper's
 * b = a / (k + α·Σa²)^β, or Caffe's and PyTorch's b = a / (k + (α/n)·Σa²)^β. */
#ifndef AN_UTIL_LRN_CONVENTION_H
#define AN_UTIL_LRN_CONVENTION_H

typedef enum an_lrn_convention {
    AN_LRN_PAPER = 0, /* α multiplies the plain sum of squares */
    AN_LRN_CAFFE = 1  /* α / n multiplies it (Caffe, PyTorch) */
} an_lrn_convention;

#endif
