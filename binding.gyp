{
  "targets": [
    {
      "target_name": "powgate_work",
      "sources": ["native/addon.c", "native/work.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3"] }
    }
  ]
}
