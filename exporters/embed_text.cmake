# Turn a text file into a C source defining `const char ${NAME}[]` (NUL-terminated).
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from ${IN}; do not edit */\n"
  "extern const char ${NAME}[];\nconst char ${NAME}[] = {${bytes} 0x00};\n")
