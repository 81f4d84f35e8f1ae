# bash completion for tyr(1): subcommands, their options, function names from the binary or
# blob being asked about (through `tyr list`, which reads symbol tables only: fast), files.
# shellcheck shell=bash disable=SC2207

_tyr_file_operand() { # the first operand after the subcommand, options skipped
    local i w skip=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((skip)); then skip=0; continue; fi
        case $w in
            -o | --output | -f | --function | -t | --type | --append-to | -F | --format | \
            --offset | -x | --hex | -r | --raw) skip=1 ;;
            -*) ;;
            *) printf '%s\n' "$w"; return ;;
        esac
    done
}

_tyr() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmds="list args import dump verify stats decode help"
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$cmds --help --version -h -V" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} opts=""
    case $cmd in
        list) opts="--format --help" ;;
        args) opts="--json --no-debuginfod --help" ;;
        import) opts="--function --type --all --full --output --append-to --page-align --no-debuginfod --help" ;;
        dump) opts="--format --asserts --help" ;;
        verify) opts="--audit --offset --format --help" ;;
        stats) opts="--offset --format --help" ;;
        decode) opts="--hex --raw --help" ;;
        help) COMPREPLY=($(compgen -W "$cmds" -- "$cur")); return ;;
    esac
    case $prev in
        -F | --format)
            if [[ $cmd == dump ]]; then
                COMPREPLY=($(compgen -W "c json layout" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "text json" -- "$cur"))
            fi
            return ;;
        -f | --function)
            local bin
            bin=$(_tyr_file_operand)
            [[ -n $bin ]] && COMPREPLY=($(compgen -W "$(tyr list "$bin" "$cur*" 2>/dev/null)" -- "$cur"))
            return ;;
        -o | --output | --append-to | -r | --raw) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --offset | -x | --hex | -t | --type) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    local bin
    bin=$(_tyr_file_operand)
    if [[ -n $bin && ($cmd == args || $cmd == list) ]]; then
        COMPREPLY=($(compgen -W "$(tyr list "$bin" "$cur*" 2>/dev/null)" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _tyr tyr
