# cmake/HexArray.cmake - an_hex_array(OUT_VAR FILE CNAME): the C definition of
# `static const unsigned char CNAME[]` holding FILE byte for byte and a closing NUL, 24 bytes a
# line; shared by EmbedKernels.cmake and EmbedNets.cmake.
function(an_hex_array out_var file cname)
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){24})" "\\1\n" hex "${hex}")
  set(${out_var} "static const unsigned char ${cname}[] = {\n${hex}0x00};\n" PARENT_SCOPE)
endfunction()
