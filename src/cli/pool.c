/*
 * Ordered worker pool: a ring of slots indexed by submission number.
 * head: oldest slot not yet emitted; next_work: next slot a worker takes;
 * tail: next slot to claim. head <= next_work <= tail <= head + depth.
 */
#include "pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct vg_pool {
    vg_pool_config config;
    unsigned char *items;
    unsigned char *states;
    size_t head, next_work, tail;
    bool stopping;
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* workers wait here */
    pthread_cond_t item_done;  /* the submitter waits here */
    pthread_t *threads;
    size_t started;
    struct worker_arg {
        vg_pool *pool;
        void *worker;
    } *args;
};

static void *slot_item(vg_pool *p, size_t seq)
{
    return p->items + (seq % p->config.depth) * p->config.item_size;
}

static unsigned char *slot_state(vg_pool *p, size_t seq)
{
    return &p->states[seq % p->config.depth];
}

static void *worker_main(void *raw)
{
    struct worker_arg *arg = raw;
    vg_pool *p = arg->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->next_work < p->tail && *slot_state(p, p->next_work) == SLOT_DONE)
            p->next_work++;
        if (p->next_work == p->tail) {
            if (p->stopping)
                break;
            pthread_cond_wait(&p->work_ready, &p->lock);
            continue;
        }
        size_t seq = p->next_work++;
        *slot_state(p, seq) = SLOT_RUNNING;
        pthread_mutex_unlock(&p->lock);
        p->config.work(arg->worker, slot_item(p, seq));
        pthread_mutex_lock(&p->lock);
        *slot_state(p, seq) = SLOT_DONE;
        pthread_cond_signal(&p->item_done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

vg_pool *vg_pool_new(const vg_pool_config *config)
{
    if (config->threads == 0)
        return NULL;
    vg_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->config = *config;
    if (p->config.depth == 0)
        p->config.depth = 4 * config->threads + 8;
    p->items = calloc(p->config.depth, p->config.item_size);
    p->states = calloc(p->config.depth, 1);
    p->threads = calloc(config->threads, sizeof *p->threads);
    p->args = calloc(config->threads, sizeof *p->args);
    if (!p->items || !p->states || !p->threads || !p->args) {
        free(p->items);
        free(p->states);
        free(p->threads);
        free(p->args);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_ready, NULL);
    pthread_cond_init(&p->item_done, NULL);
    for (size_t i = 0; i < config->threads; i++) {
        p->args[i] = (struct worker_arg){p, config->workers[i]};
        if (pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]) != 0)
            break;
        p->started++;
    }
    if (p->started == 0) {
        vg_pool_free(p);
        return NULL;
    }
    return p;
}

/* Emit finished items at the head; call with the lock held. */
static void emit_finished(vg_pool *p)
{
    while (p->head < p->tail && *slot_state(p, p->head) == SLOT_DONE) {
        size_t seq = p->head;
        pthread_mutex_unlock(&p->lock);
        p->config.emit(p->config.user, slot_item(p, seq));
        pthread_mutex_lock(&p->lock);
        *slot_state(p, seq) = SLOT_FREE;
        p->head++;
        /* A slot submitted without work may be emitted before a worker
         * skips past it; keep workers from seeing it as free work. */
        if (p->next_work < p->head)
            p->next_work = p->head;
    }
}

void *vg_pool_claim(vg_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        emit_finished(p);
        if (p->tail - p->head < p->config.depth)
            break;
        pthread_cond_wait(&p->item_done, &p->lock);
    }
    void *item = slot_item(p, p->tail);
    pthread_mutex_unlock(&p->lock);
    memset(item, 0, p->config.item_size);
    return item;
}

void vg_pool_submit(vg_pool *p, bool needs_work)
{
    pthread_mutex_lock(&p->lock);
    *slot_state(p, p->tail) = needs_work ? SLOT_QUEUED : SLOT_DONE;
    p->tail++;
    if (needs_work)
        pthread_cond_signal(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
}

void vg_pool_drain(vg_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        emit_finished(p);
        if (p->head == p->tail)
            break;
        pthread_cond_wait(&p->item_done, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
}

void vg_pool_free(vg_pool *p)
{
    if (!p)
        return;
    vg_pool_drain(p);
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work_ready);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work_ready);
    pthread_cond_destroy(&p->item_done);
    free(p->items);
    free(p->states);
    free(p->threads);
    free(p->args);
    free(p);
}
