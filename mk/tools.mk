# tools/lifeboat: the host CLI. Every tools/lifeboat/*.c but main.c is also
# linked into the unit tests and fuzz targets.
TOOL_SRCS := $(filter-out tools/lifeboat/main.c,$(wildcard tools/lifeboat/*.c))

TOOL_OBJS := $(patsubst %.c,$(B)/host/%.o,$(LIB_SRCS) $(TOOL_SRCS) tools/lifeboat/main.c)

$(B)/tools/lifeboat: $(TOOL_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)
