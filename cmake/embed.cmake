# Turn a text file into a C source defining `const char tpp_schema_sql[]`.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from engine/schema.sql; do not edit */\n"
  "extern const char tpp_schema_sql[];\nconst char tpp_schema_sql[] = {${bytes} 0x00};\n")
