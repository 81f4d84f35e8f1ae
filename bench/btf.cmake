# bench_btf: the kernel's BTF through libtyr-btf against libbpf (it links tyr_btf_static).
tyr_add_bench(bench_btf ${CMAKE_CURRENT_SOURCE_DIR}/bench_btf.c)
target_link_libraries(bench_btf PRIVATE tyr_btf_static)
