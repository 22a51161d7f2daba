/* Placeholder until the command table lands. */
#include <stdio.h>
int main(void)
{
    puts("tpp");
    return 0;
}
