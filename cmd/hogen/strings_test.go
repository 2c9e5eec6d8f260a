package main

import "strings"

type stringsBuilder = strings.Builder
