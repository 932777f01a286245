# test/net.cmake - net descriptions, parameter layout, initialisation and weights files
# (label: net).
an_add_test(test_netdesc SOURCES test_netdesc.c LABELS net TIMEOUT 120)
